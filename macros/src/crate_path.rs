//! Finding gort from the user's crate.
//!
//! A macro cannot name gort as `::gort` blindly: an application that moved from tokio by renaming
//! its dependency (`tokio = { package = "gort", ... }`) knows gort as `tokio`. So, unless the
//! attribute names the path itself (`crate = "..."`), we read the user's `Cargo.toml` with
//! `proc-macro-crate` and use the name gort is given there.

use proc_macro2::{Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{quote, ToTokens};

/// The package name to look for in the user's manifest.
const PACKAGE: &str = "gort";

/// The path the generated code uses to reach gort's `runtime` and `time` modules.
pub(crate) fn gort_path(explicit: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = explicit {
        return path.to_token_stream();
    }
    match crate_name(PACKAGE) {
        Ok(FoundCrate::Name(name)) => {
            let ident = syn::Ident::new(&name, Span::call_site());
            quote!(::#ident)
        }
        // `Itself`: gort's own examples, benches and integration tests, which see gort as an
        // extern crate named `gort`. `Err`: gort is reached through another crate's re-export,
        // or the manifest could not be read; `::gort` is the best guess, and `crate = "..."`
        // is the way out.
        Ok(FoundCrate::Itself) | Err(_) => quote!(::gort),
    }
}

//! Finding gort from the user's crate.
//!
//! A macro cannot name gort as `::gort` blindly: an application that moved from tokio by renaming
//! its dependency (`tokio = { package = "gort", ... }`) knows gort as `tokio`. So, unless the
//! attribute names the path itself (`crate = "..."`), we read the user's `Cargo.toml` with
//! `proc-macro-crate` and use the name gort is given there.
//!
//! An application on the drop-in package (`[patch.crates-io] tokio = { path = ".../compat/tokio" }`)
//! has no `gort` in its manifest at all, only `tokio`, whose modules re-export gort's. So when gort
//! is not found we look for `tokio` and use that name: the generated code only reaches `runtime`
//! and `time`, which the drop-in has at tokio's paths.

use proc_macro2::{Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{quote, ToTokens};

/// The package names to look for in the user's manifest, in order: gort itself, then the drop-in
/// package named `tokio` (`compat/tokio`), which re-exports gort under tokio's paths.
const PACKAGES: [&str; 2] = ["gort", "tokio"];

/// The path the generated code uses to reach gort's `runtime` and `time` modules.
pub(crate) fn gort_path(explicit: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = explicit {
        return path.to_token_stream();
    }
    // Neither found (gort is reached through another crate's re-export, or the manifest could
    // not be read): `::gort` is the best guess, and `crate = "..."` is the way out.
    PACKAGES
        .iter()
        .find_map(|package| crate_name(package).ok().map(|found| (*package, found)))
        .map_or_else(
            || quote!(::gort),
            |(package, found)| found_path(package, found),
        )
}

/// The path for a package found in the user's manifest.
fn found_path(package: &str, found: FoundCrate) -> TokenStream {
    let name = match found {
        FoundCrate::Name(name) => name,
        // gort's own examples, benches and integration tests (or the drop-in's), which see the
        // package as an extern crate under its own name.
        FoundCrate::Itself => package.replace('-', "_"),
    };
    let ident = syn::Ident::new(&name, Span::call_site());
    quote!(::#ident)
}

//! Turning `async fn` into a plain `fn` that builds a runtime and blocks on the body.
//!
//! The generated code has the shape tokio's macros produce, so that moving an application between
//! the two changes nothing about how its `main` or its tests behave:
//!
//! ```text
//! fn main() -> R {
//!     let body = async { /* the original body */ };
//!     return gort::runtime::Builder::new_multi_thread()
//!         .worker_threads(N)          // if given
//!         .enable_all()
//!         .build()
//!         .expect("...")
//!         .block_on(body);
//! }
//! ```
//!
//! `start_paused = true` adds `.start_paused(true)` and `name = "..."` adds `.name("...")` to the
//! builder chain, as tokio's macros do.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::config::{Config, Flavor, Kind};
use crate::crate_path::gort_path;

/// Expands `#[gort::main]` or `#[gort::test]`. On a mistake the original item is emitted
/// unchanged next to a spanned `compile_error!`, so the rest of the crate still type-checks and an
/// editor keeps its completions.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(err) => return with_error(item, err),
    };
    let config = Config::parse(kind, args);
    match config.and_then(|config| rewrite(kind, &config, func)) {
        Ok(tokens) => tokens,
        Err(err) => with_error(item, err),
    }
}

fn with_error(item: TokenStream, err: syn::Error) -> TokenStream {
    let err = err.to_compile_error();
    quote!(#item #err)
}

fn check_signature(kind: Kind, func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "the `async` keyword is missing from the function declaration: \
                 `#[{}]` runs an `async fn`",
                kind.attr_name()
            ),
        ));
    }
    match kind {
        Kind::Main if sig.ident == "main" && !sig.inputs.is_empty() => Err(syn::Error::new(
            sig.inputs.span(),
            "the main function cannot accept arguments: read them with `std::env::args()`",
        )),
        Kind::Test if !sig.inputs.is_empty() => Err(syn::Error::new(
            sig.inputs.span(),
            "the test function cannot accept arguments",
        )),
        Kind::Test => match func.attrs.iter().find(|attr| is_test_attribute(attr)) {
            Some(attr) => Err(syn::Error::new(
                attr.span(),
                "a second test attribute is given: remove it, `#[gort::test]` already makes \
                 this function a test",
            )),
            None => Ok(()),
        },
        Kind::Main => Ok(()),
    }
}

/// `#[test]`, `#[core::prelude::v1::test]`, `#[tokio::test]`, ...: any attribute named `test`.
fn is_test_attribute(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|seg| seg.ident == "test")
}

fn rewrite(kind: Kind, config: &Config, mut func: ItemFn) -> syn::Result<TokenStream> {
    check_signature(kind, &func)?;
    let gort = gort_path(config.crate_path.as_ref());

    let builder = match config.flavor {
        Flavor::MultiThread => quote!(#gort::runtime::Builder::new_multi_thread()),
        Flavor::CurrentThread | Flavor::Local => {
            quote!(#gort::runtime::Builder::new_current_thread())
        }
    };
    let build = match config.flavor {
        Flavor::Local => quote!(.build_local(#gort::runtime::LocalOptions::default())),
        Flavor::MultiThread | Flavor::CurrentThread => quote!(.build()),
    };
    let worker_threads = config
        .worker_threads
        .map(|(n, span)| quote_spanned!(span=> .worker_threads(#n)));
    let start_paused = config.start_paused.then(|| quote!(.start_paused(true)));
    let name = config
        .name
        .as_ref()
        .map(|name| quote_spanned!(name.span()=> .name(#name)));

    // Mixed-site hygiene: the user's body can neither see nor shadow this local.
    let body_ident = syn::Ident::new("body", Span::mixed_site());
    // The body's statements go straight into the async block (not as a nested `{ .. }`, which
    // would trip `unused_braces` on a one-expression body).
    let statements = &func.block.stmts;
    // Errors about the return type point at the signature, where the user can fix them.
    let return_span = match &func.sig.output {
        syn::ReturnType::Default => func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let run = quote_spanned! {return_span=>
        #[allow(
            clippy::expect_used,
            clippy::diverging_sub_expression,
            clippy::needless_return,
            clippy::unwrap_in_result
        )]
        {
            return #builder
                #worker_threads
                #start_paused
                #name
                .enable_all()
                #build
                .expect("failed to build the gort runtime")
                .block_on(#body_ident);
        }
    };
    let new_block: syn::Block = syn::parse_quote! {
        {
            let #body_ident = async {
                #(#statements)*
            };
            #run
        }
    };

    func.sig.asyncness = None;
    *func.block = new_block;
    let test_attr = (kind == Kind::Test).then(|| quote!(#[::core::prelude::v1::test]));
    Ok(quote! {
        #test_attr
        #func
    })
}

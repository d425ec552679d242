//! The attribute's arguments: `flavor`, `worker_threads`, `start_paused`, `name` and `crate`, parsed and
//! checked against each other before any code is generated.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Meta, Token};

/// Which macro is being expanded: the two differ in their default flavor and in wording.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// `#[gort::main]`: multi-threaded by default, as `#[tokio::main]`.
    Main,
    /// `#[gort::test]`: current-thread by default, as `#[tokio::test]`.
    Test,
}

impl Kind {
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Kind::Main => "gort::main",
            Kind::Test => "gort::test",
        }
    }
}

/// The runtime flavor the generated code builds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flavor {
    /// `Builder::new_current_thread()`.
    CurrentThread,
    /// `Builder::new_multi_thread()`.
    MultiThread,
    /// `Builder::new_current_thread()...build_local(..)`: a `LocalRuntime`, on which `!Send`
    /// futures may be spawned with `spawn_local` (tokio's `flavor = "local"`).
    Local,
}

/// The checked configuration of one attribute.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<(usize, Span)>,
    pub(crate) start_paused: bool,
    /// The runtime's name given with `name = "..."` (passed to `Builder::name`), if any.
    pub(crate) name: Option<syn::LitStr>,
    /// The path given with `crate = "..."`, if any; otherwise the macro looks gort up.
    pub(crate) crate_path: Option<syn::Path>,
}

const KNOWN: &str = "`flavor`, `worker_threads`, `start_paused`, `name` and `crate`";

impl Config {
    /// Parses `flavor = "...", worker_threads = N, start_paused = true, name = "...",
    /// crate = "path"`.
    pub(crate) fn parse(kind: Kind, args: proc_macro2::TokenStream) -> syn::Result<Config> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
        let mut flavor: Option<(Flavor, Span)> = None;
        let mut worker_threads: Option<(usize, Span)> = None;
        let mut start_paused: Option<(bool, Span)> = None;
        let mut crate_path: Option<syn::Path> = None;
        let mut runtime_name: Option<syn::LitStr> = None;

        for meta in metas {
            let name_value = match meta {
                Meta::NameValue(nv) => nv,
                other => {
                    let name = path_to_string(other.path());
                    return Err(syn::Error::new(
                        other.span(),
                        format!(
                            "`{name}` needs a value, e.g. `#[{}(flavor = \"multi_thread\")]`; \
                             the known arguments are {KNOWN}",
                            kind.attr_name()
                        ),
                    ));
                }
            };
            let name = path_to_string(&name_value.path);
            let span = name_value.value.span();
            let duplicate = || {
                syn::Error::new(
                    name_value.path.span(),
                    format!("`{name}` is given more than once"),
                )
            };
            match name.as_str() {
                "flavor" => {
                    if flavor.is_some() {
                        return Err(duplicate());
                    }
                    flavor = Some((parse_flavor(&name_value.value)?, span));
                }
                "worker_threads" => {
                    if worker_threads.is_some() {
                        return Err(duplicate());
                    }
                    let n = parse_usize(&name_value.value, "worker_threads")?;
                    if n == 0 {
                        return Err(syn::Error::new(
                            span,
                            "`worker_threads` must be greater than 0",
                        ));
                    }
                    worker_threads = Some((n, span));
                }
                "start_paused" => {
                    if start_paused.is_some() {
                        return Err(duplicate());
                    }
                    start_paused = Some((parse_bool(&name_value.value, "start_paused")?, span));
                }
                "name" => {
                    if runtime_name.is_some() {
                        return Err(duplicate());
                    }
                    runtime_name = Some(parse_name(&name_value.value)?);
                }
                "crate" => {
                    if crate_path.is_some() {
                        return Err(duplicate());
                    }
                    crate_path = Some(parse_path(&name_value.value)?);
                }
                "core_threads" => {
                    return Err(syn::Error::new(
                        name_value.path.span(),
                        "`core_threads` is called `worker_threads`",
                    ));
                }
                _ => {
                    return Err(syn::Error::new(
                        name_value.path.span(),
                        format!(
                            "unknown argument `{name}` for `#[{}]`; the known arguments are {KNOWN}",
                            kind.attr_name()
                        ),
                    ));
                }
            }
        }

        let flavor_given = flavor.map(|(f, _)| f);
        let default_flavor = match kind {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        };
        // As tokio: `worker_threads` alone on a test implies the multi-thread flavor.
        let flavor = match (flavor_given, worker_threads) {
            (Some(f), _) => f,
            (None, Some(_)) => Flavor::MultiThread,
            (None, None) => default_flavor,
        };

        if flavor != Flavor::MultiThread {
            if let Some((_, span)) = worker_threads {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`worker_threads` needs the multi-thread runtime: use \
                         `#[{}(flavor = \"multi_thread\", worker_threads = N)]`, or drop \
                         `worker_threads` (the current-thread runtime runs everything on one thread)",
                        kind.attr_name()
                    ),
                ));
            }
        }
        let start_paused = match start_paused {
            Some((true, span)) if flavor == Flavor::MultiThread => {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`start_paused` needs the current-thread runtime: use \
                         `#[{}(flavor = \"current_thread\", start_paused = true)]`",
                        kind.attr_name()
                    ),
                ));
            }
            Some((paused, _)) => paused,
            None => false,
        };

        Ok(Config {
            flavor,
            worker_threads,
            start_paused,
            name: runtime_name,
            crate_path,
        })
    }
}

fn path_to_string(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn lit(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(group) => lit(&group.expr),
        _ => None,
    }
}

fn parse_flavor(expr: &Expr) -> syn::Result<Flavor> {
    let text = match lit(expr) {
        Some(Lit::Str(s)) => s.value(),
        _ => {
            return Err(syn::Error::new(
                expr.span(),
                "`flavor` takes a string: \"multi_thread\", \"current_thread\" or \"local\"",
            ))
        }
    };
    match text.as_str() {
        "multi_thread" => Ok(Flavor::MultiThread),
        "current_thread" => Ok(Flavor::CurrentThread),
        "local" => Ok(Flavor::Local),
        "single_thread" | "basic_scheduler" => Err(syn::Error::new(
            expr.span(),
            format!("the single-threaded flavor is called \"current_thread\", not \"{text}\""),
        )),
        "threaded_scheduler" | "threaded" => Err(syn::Error::new(
            expr.span(),
            format!("the multi-threaded flavor is called \"multi_thread\", not \"{text}\""),
        )),
        _ => Err(syn::Error::new(
            expr.span(),
            format!(
                "unknown flavor \"{text}\": use \"multi_thread\", \"current_thread\" or \"local\""
            ),
        )),
    }
}

fn parse_usize(expr: &Expr, name: &str) -> syn::Result<usize> {
    let parsed = match lit(expr) {
        Some(Lit::Int(i)) => i.base10_parse::<usize>().ok(),
        Some(Lit::Str(s)) => s.value().trim().parse::<usize>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        syn::Error::new(
            expr.span(),
            format!("`{name}` takes a whole number, e.g. `{name} = 4`"),
        )
    })
}

fn parse_bool(expr: &Expr, name: &str) -> syn::Result<bool> {
    let parsed = match lit(expr) {
        Some(Lit::Bool(b)) => Some(b.value),
        Some(Lit::Str(s)) => s.value().trim().parse::<bool>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| syn::Error::new(expr.span(), format!("`{name}` takes `true` or `false`")))
}

fn parse_name(expr: &Expr) -> syn::Result<syn::LitStr> {
    match lit(expr) {
        Some(Lit::Str(s)) => Ok(s.clone()),
        _ => Err(syn::Error::new(
            expr.span(),
            "`name` takes a string, e.g. `name = \"my-runtime\"`",
        )),
    }
}

fn parse_path(expr: &Expr) -> syn::Result<syn::Path> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse::<syn::Path>().map_err(|_| {
            syn::Error::new(
                s.span(),
                format!(
                    "`crate` takes a path to gort, e.g. `crate = \"::gort\"`; got \"{}\"",
                    s.value()
                ),
            )
        }),
        Expr::Path(p) if p.qself.is_none() => Ok(p.path.clone()),
        Expr::Group(group) => parse_path(&group.expr),
        _ => Err(syn::Error::new(
            expr.span(),
            "`crate` takes a path to gort as a string, e.g. `crate = \"::gort\"`",
        )),
    }
}

//! Expansion tests: what the attributes generate and which mistakes they reject, checked on the
//! token level (the root package's `tests/macros.rs` runs the generated code on a real runtime).

use std::path::Path;
use std::sync::Mutex;

use proc_macro2::TokenStream;
use quote::quote;

use crate::config::Kind;
use crate::expand::expand;

/// `proc-macro-crate` reads `CARGO_MANIFEST_DIR`; one test changes it, so every expansion that
/// looks gort up holds this lock.
static MANIFEST_ENV: Mutex<()> = Mutex::new(());

fn expand_to_string(kind: Kind, args: TokenStream, item: TokenStream) -> String {
    let _guard = MANIFEST_ENV.lock().unwrap_or_else(|e| e.into_inner());
    expand(kind, args, item).to_string()
}

/// Token strings put spaces between tokens; squeeze them out so assertions read naturally.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_compile_error(kind: Kind, args: TokenStream, item: TokenStream, message: &str) {
    let out = expand_to_string(kind, args, item);
    assert!(
        out.contains("compile_error"),
        "expected a compile error, got: {out}"
    );
    assert!(
        out.contains(message),
        "expected the error to say {message:?}, got: {out}"
    );
}

#[test]
fn main_defaults_to_multi_thread_and_drops_async() {
    let out = squeeze(&expand_to_string(
        Kind::Main,
        quote!(),
        quote!(
            async fn main() {
                println!("hi");
            }
        ),
    ));
    assert!(out.contains("fnmain()"), "{out}");
    assert!(!out.contains("asyncfnmain"), "{out}");
    assert!(
        out.contains("runtime::Builder::new_multi_thread()"),
        "{out}"
    );
    assert!(out.contains(".enable_all().build()"), "{out}");
    assert!(out.contains(".block_on(body)"), "{out}");
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn test_defaults_to_current_thread_and_adds_test_attribute() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(),
        quote!(
            async fn it_works() {}
        ),
    ));
    assert!(out.starts_with("#[::core::prelude::v1::test]"), "{out}");
    assert!(
        out.contains("runtime::Builder::new_current_thread()"),
        "{out}"
    );
    assert!(!out.contains("worker_threads"), "{out}");
}

#[test]
fn worker_threads_and_flavor_are_passed_to_the_builder() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(flavor = "multi_thread", worker_threads = 3),
        quote!(
            async fn t() {}
        ),
    ));
    assert!(
        out.contains("new_multi_thread().worker_threads(3usize).enable_all()"),
        "{out}"
    );

    // `worker_threads` alone implies the multi-thread flavor, as in tokio.
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(worker_threads = 2),
        quote!(
            async fn t() {}
        ),
    ));
    assert!(
        out.contains("new_multi_thread().worker_threads(2usize)"),
        "{out}"
    );

    let out = squeeze(&expand_to_string(
        Kind::Main,
        quote!(flavor = "current_thread"),
        quote!(
            async fn main() {}
        ),
    ));
    assert!(out.contains("new_current_thread().enable_all()"), "{out}");
}

#[test]
fn crate_argument_replaces_the_looked_up_path() {
    let out = squeeze(&expand_to_string(
        Kind::Main,
        quote!(crate = "::my_rt::inner"),
        quote!(
            async fn main() {}
        ),
    ));
    assert!(
        out.contains("::my_rt::inner::runtime::Builder::new_multi_thread()"),
        "{out}"
    );
}

#[test]
fn start_paused_asks_the_builder_for_a_paused_clock() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(start_paused = true, crate = "gort"),
        quote!(
            async fn t() {
                work().await;
            }
        ),
    ));
    assert!(
        out.contains(
            "gort::runtime::Builder::new_current_thread().start_paused(true).enable_all()"
        ),
        "{out}"
    );

    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(start_paused = false),
        quote!(
            async fn t() {}
        ),
    ));
    assert!(!out.contains("start_paused"), "{out}");
}

#[test]
fn name_gives_the_runtime_a_name() {
    let out = squeeze(&expand_to_string(
        Kind::Main,
        quote!(name = "api-runtime", crate = "gort"),
        quote!(
            async fn main() {}
        ),
    ));
    assert!(
        out.contains(
            "gort::runtime::Builder::new_multi_thread().name(\"api-runtime\").enable_all()"
        ),
        "{out}"
    );
    assert_compile_error(
        Kind::Test,
        quote!(name = 3),
        quote!(
            async fn t() {}
        ),
        "`name` takes a string",
    );
    assert_compile_error(
        Kind::Test,
        quote!(name = "a", name = "b"),
        quote!(
            async fn t() {}
        ),
        "given more than once",
    );
}

#[test]
fn result_returning_test_keeps_its_signature() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(),
        quote!(
            async fn t() -> Result<(), String> {
                Ok(())
            }
        ),
    ));
    assert!(out.contains("fnt()->Result<(),String>"), "{out}");
    assert!(
        out.contains("return::gort::runtime::Builder"),
        "the body's value is returned: {out}"
    );
}

#[test]
fn other_attributes_are_kept() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(),
        quote!(
            #[should_panic(expected = "boom")]
            async fn t() {
                panic!("boom")
            }
        ),
    ));
    assert!(out.contains("#[should_panic(expected=\"boom\")]"), "{out}");
}

#[test]
fn missing_async_is_an_error() {
    assert_compile_error(
        Kind::Main,
        quote!(),
        quote!(
            fn main() {}
        ),
        "the `async` keyword is missing",
    );
    assert_compile_error(
        Kind::Test,
        quote!(),
        quote!(
            fn t() {}
        ),
        "the `async` keyword is missing",
    );
}

#[test]
fn unknown_argument_is_an_error() {
    assert_compile_error(
        Kind::Main,
        quote!(threads = 4),
        quote!(
            async fn main() {}
        ),
        "unknown argument `threads`",
    );
    assert_compile_error(
        Kind::Test,
        quote!(multi_thread),
        quote!(
            async fn t() {}
        ),
        "needs a value",
    );
    assert_compile_error(
        Kind::Test,
        quote!(flavor = "current_thread", flavor = "multi_thread"),
        quote!(
            async fn t() {}
        ),
        "given more than once",
    );
}

#[test]
fn bad_values_are_errors() {
    assert_compile_error(
        Kind::Main,
        quote!(flavor = "fast"),
        quote!(
            async fn main() {}
        ),
        "unknown flavor",
    );
    assert_compile_error(
        Kind::Main,
        quote!(flavor = "single_thread"),
        quote!(
            async fn main() {}
        ),
        "called \\\"current_thread\\\"",
    );
    assert_compile_error(
        Kind::Main,
        quote!(flavor = multi_thread),
        quote!(
            async fn main() {}
        ),
        "takes a string",
    );
    assert_compile_error(
        Kind::Main,
        quote!(worker_threads = 0),
        quote!(
            async fn main() {}
        ),
        "greater than 0",
    );
    assert_compile_error(
        Kind::Main,
        quote!(worker_threads = "x"),
        quote!(
            async fn main() {}
        ),
        "whole number",
    );
    assert_compile_error(
        Kind::Test,
        quote!(start_paused = 1),
        quote!(
            async fn t() {}
        ),
        "`true` or `false`",
    );
    assert_compile_error(
        Kind::Test,
        quote!(crate = "not a path"),
        quote!(
            async fn t() {}
        ),
        "path to gort",
    );
}

#[test]
fn worker_threads_with_current_thread_is_an_error() {
    assert_compile_error(
        Kind::Main,
        quote!(flavor = "current_thread", worker_threads = 2),
        quote!(
            async fn main() {}
        ),
        "`worker_threads` needs the multi-thread runtime",
    );
}

#[test]
fn start_paused_with_multi_thread_is_an_error() {
    assert_compile_error(
        Kind::Main,
        quote!(start_paused = true),
        quote!(
            async fn main() {}
        ),
        "`start_paused` needs the current-thread runtime",
    );
}

#[test]
fn main_with_arguments_is_an_error_but_other_fns_may_take_them() {
    assert_compile_error(
        Kind::Main,
        quote!(),
        quote!(
            async fn main(args: Vec<String>) {}
        ),
        "the main function cannot accept arguments",
    );
    let out = expand_to_string(
        Kind::Main,
        quote!(),
        quote!(
            async fn serve(port: u16) -> u16 {
                port
            }
        ),
    );
    assert!(!out.contains("compile_error"), "{out}");
    assert_compile_error(
        Kind::Test,
        quote!(),
        quote!(
            async fn t(x: u8) {}
        ),
        "cannot accept arguments",
    );
}

#[test]
fn a_second_test_attribute_is_an_error() {
    assert_compile_error(
        Kind::Test,
        quote!(),
        quote!(
            #[test]
            async fn t() {}
        ),
        "a second test attribute",
    );
}

#[test]
fn errors_keep_the_original_item() {
    let out = squeeze(&expand_to_string(
        Kind::Main,
        quote!(bogus = 1),
        quote!(
            async fn main() {
                body_here();
            }
        ),
    ));
    assert!(out.contains("asyncfnmain(){body_here();}"), "{out}");
}

#[test]
fn renamed_dependency_is_found_in_the_users_manifest() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/renamed");
    assert!(
        fixture.join("Cargo.toml").exists(),
        "fixture missing at {}",
        fixture.display()
    );
    let _guard = MANIFEST_ENV.lock().unwrap_or_else(|e| e.into_inner());
    let saved = std::env::var_os("CARGO_MANIFEST_DIR");
    std::env::set_var("CARGO_MANIFEST_DIR", &fixture);
    let out = expand(
        Kind::Main,
        quote!(),
        quote!(
            async fn main() {}
        ),
    )
    .to_string();
    match saved {
        Some(dir) => std::env::set_var("CARGO_MANIFEST_DIR", dir),
        None => std::env::remove_var("CARGO_MANIFEST_DIR"),
    }
    let out = squeeze(&out);
    assert!(
        out.contains("::tokio::runtime::Builder::new_multi_thread()"),
        "{out}"
    );
}

#[test]
fn local_flavor_builds_a_local_runtime() {
    let out = squeeze(&expand_to_string(
        Kind::Test,
        quote!(flavor = "local"),
        quote!(
            async fn t() {}
        ),
    ));
    assert!(
        out.contains("new_current_thread().enable_all().build_local("),
        "{out}"
    );
    assert!(out.contains("runtime::LocalOptions::default()"), "{out}");
    assert_compile_error(
        Kind::Test,
        quote!(flavor = "local", worker_threads = 2),
        quote!(
            async fn t() {}
        ),
        "`worker_threads` needs the multi-thread runtime",
    );
}

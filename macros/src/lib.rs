//! `#[gort::main]` and `#[gort::test]`: run an `async fn` on a freshly built gort runtime.
//!
//! Both attributes take tokio's arguments, with tokio's defaults, so code written for
//! `#[tokio::main]` / `#[tokio::test]` compiles unchanged when the `tokio` dependency is renamed
//! to gort (`tokio = { package = "gort", ... }`):
//!
//! | argument | meaning | default |
//! | --- | --- | --- |
//! | `flavor = "multi_thread"` / `"current_thread"` | which scheduler `Builder` makes | `main`: multi-thread; `test`: current-thread |
//! | `worker_threads = N` | worker count (multi-thread only) | one per CPU |
//! | `start_paused = true` | start with the clock paused (current-thread only; needs gort's `test-util` feature) | `false` |
//! | `name = "..."` | the runtime's name (`Builder::name`, read back with `Handle::name`) | none |
//! | `crate = "path"` | where gort is, e.g. `crate = "::my_runtime"` | found in the user's `Cargo.toml` |
//!
//! How it works: the attribute removes `async` from the function and makes its body
//! `Builder::new_*().enable_all().build().expect(..).block_on(async { body })`, the expansion
//! tokio's macros use (see `tokio-macros/src/entry.rs`). gort's name in the user's crate is read
//! from its `Cargo.toml` (the `proc-macro-crate` crate), so a renamed dependency works. Mistakes
//! (a missing `async`, an unknown argument, `worker_threads` on the current-thread flavor, `main`
//! with arguments) become compile errors pointing at the offending tokens.
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod config;
mod crate_path;
mod expand;
#[cfg(test)]
mod tests;

use config::Kind;

/// Marks `async fn main` as the program's entry point, run on a gort runtime.
///
/// Equivalent to building a runtime with `gort::runtime::Builder` and blocking on the body.
/// Defaults to the multi-thread runtime with one worker per CPU.
///
/// Arguments: `flavor = "multi_thread" | "current_thread"`, `worker_threads = N` (multi-thread
/// only), `start_paused = true` (current-thread only, feature `test-util`), `name = "..."`
/// (the runtime's name), `crate = "path"`.
/// The function may return anything `main` can return, e.g. `Result<(), Box<dyn Error>>`.
/// It need not be called `main`: any `async fn` becomes a blocking `fn` that runs its own runtime.
///
/// # Examples
///
/// ```
/// #[gort::main]
/// async fn main() {
///     let handle = gort::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// }
/// ```
///
/// A current-thread runtime, and errors returned from `main`:
///
/// ```
/// #[gort::main(flavor = "current_thread")]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
///
/// A fixed number of worker threads:
///
/// ```
/// #[gort::main(worker_threads = 2)]
/// async fn main() {
///     println!("running on two workers");
/// }
/// ```
///
/// A named runtime:
///
/// ```
/// #[gort::main(name = "api")]
/// async fn main() {
///     assert_eq!(gort::runtime::Handle::current().name(), Some("api"));
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, args.into(), item.into()).into()
}

/// Marks an `async fn` as a test, run on a fresh gort runtime.
///
/// Defaults to the current-thread runtime (as `#[tokio::test]`): the test and every task it
/// spawns run on the test's own thread. Takes the same arguments as [`macro@main`]. The test may
/// return `Result<(), E>` with `E: Debug`; an `Err` fails it.
///
/// # Examples
///
/// ```
/// #[gort::test]
/// async fn adds_on_a_task() {
///     let sum = gort::spawn(async { 1 + 2 }).await.unwrap();
///     assert_eq!(sum, 3);
/// }
/// ```
///
/// On several worker threads, returning a `Result`:
///
/// ```
/// #[gort::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     assert_eq!("12".parse::<u8>()?, 12);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, args.into(), item.into()).into()
}

//! Asynchronous I/O traits and utilities, with tokio's signatures.
//!
//! The traits ([`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`], [`AsyncSeek`]) and [`ReadBuf`]
//! have exactly tokio's shape, so application code written against `tokio::io` — custom
//! readers and writers included — compiles unchanged against `gort::io`. The extension traits
//! ([`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`], [`AsyncSeekExt`]) return named,
//! `Unpin` futures, and every `async` method documents its cancel safety as tokio's do.
//!
//! Interop: gort's I/O types also implement `futures_io::{AsyncRead, AsyncWrite}`, and
//! [`Compat`] adapts any other type in either direction ([`compat::CompatExt`] adds
//! `.compat()`; it lives in that submodule so a glob import of `io::*` never brings a
//! `.compat()` method that could clash with tokio-util's).
//!
//! Cooperative scheduling: only leaf types that can wait (sockets, [`DuplexStream`], and the
//! always-ready [`empty`], [`repeat`], [`sink`]) charge the task's budget
//! (`gort_channel::coop`); adapters such as [`BufReader`] or [`copy`] pass it through.
//!
//! The pieces, one per file: `read_buf` (the three-region buffer of RFC 2930 / tokio), the four
//! traits and their blanket impls, `util/` (extension traits and their named futures, buffered
//! wrappers, `copy*`, `split`, the in-memory pipes), `compat` (futures-io bridge), `stdio` over
//! `blocking` (a blocking `std::io` handle driven on the blocking pool, one operation in flight;
//! shared with [`fs::File`](crate::fs::File)), `interest` ([`Interest`],
//! [`Ready`]).
//!
//! ```
//! use gort_reactor::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! futures::executor::block_on(async {
//!     let mut out = Vec::new();
//!     let mut lines = BufReader::new(&b"one\ntwo\n"[..]).lines();
//!     while let Some(line) = lines.next_line().await.unwrap() {
//!         out.write_all(line.to_uppercase().as_bytes()).await.unwrap();
//!     }
//!     assert_eq!(out, b"ONETWO");
//! });
//! ```

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
pub(crate) mod blocking;
pub mod compat;
mod interest;
mod read_buf;
mod stdio;
#[cfg(unix)]
pub mod unix;
mod util;
pub(crate) use util::Sited;

#[cfg(test)]
mod tests;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use compat::Compat;
#[allow(unused_imports)] // used by the net types
pub(crate) use compat::{impl_futures_io_buf_read, impl_futures_io_read, impl_futures_io_write};
pub use interest::{Interest, Ready};
pub use read_buf::ReadBuf;
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use util::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat,
    simplex, sink, split, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufStream, BufWriter, Chain, DuplexStream, Empty, Join, Lines, ReadHalf, Repeat, SimplexStream,
    Sink, Split, Take, WriteHalf,
};

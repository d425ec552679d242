//! The io utilities: extension traits, buffered wrappers, copying, splitting, pipes.
//!
//! Each file owns one thing; the futures returned by the extension traits live next to the
//! trait that creates them and are named (`Unpin` when the I/O object is), as tokio's are.

mod buf_read_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
mod chain;
mod copy;
mod copy_bidirectional;
mod duplex;
mod join;
mod lines;
mod mem;
mod read;
mod read_ext;
mod read_to_end;
mod read_until;
mod seek_ext;
mod sited;
mod split;
mod split_segments;
mod take;
mod utf8_output;
mod write;
mod write_ext;

pub use buf_read_ext::AsyncBufReadExt;
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use chain::Chain;
pub use copy::{copy, copy_buf};
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use duplex::{duplex, simplex, DuplexStream, SimplexStream};
pub use join::{join, Join};
pub use lines::Lines;
pub use mem::{empty, repeat, sink, Empty, Repeat, Sink};
pub use read_ext::AsyncReadExt;
pub use seek_ext::AsyncSeekExt;
pub(crate) use sited::Sited;
pub use split::{split, ReadHalf, WriteHalf};
pub use split_segments::Split;
pub use take::Take;
pub use write_ext::AsyncWriteExt;

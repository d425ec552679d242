//! Receiving straight into a [`bytes::BufMut`]'s spare capacity (the `*_buf` socket methods).

use bytes::BufMut;
use std::io;

/// Runs `op` on `buf`'s next spare chunk (zeroed, so it can be handed out as `&mut [u8]`), then
/// advances `buf` by the byte count `op` reports first. `op`'s second result is passed through.
pub(crate) fn recv_into_spare<B, R>(
    buf: &mut B,
    op: impl FnOnce(&mut [u8]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)>
where
    B: BufMut + ?Sized,
{
    let chunk = buf.chunk_mut();
    let len = chunk.len();
    let ptr = chunk.as_mut_ptr();
    // SAFETY: `ptr` points at `len` writable bytes of `buf`'s spare capacity (`UninitSlice`'s
    // contract); zeroing them first makes them initialized, so the `&mut [u8]` view is sound.
    let spare = unsafe {
        std::ptr::write_bytes(ptr, 0, len);
        std::slice::from_raw_parts_mut(ptr, len)
    };
    let (n, extra) = op(spare)?;
    assert!(
        n <= len,
        "a receive reported more bytes than its buffer holds"
    );
    // SAFETY: the first `n` (<= len) bytes of the spare chunk are initialized (zeroed, then
    // written by the receive).
    unsafe { buf.advance_mut(n) };
    Ok((n, extra))
}

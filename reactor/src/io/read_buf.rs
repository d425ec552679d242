//! [`ReadBuf`]: a byte buffer that tracks how much of it is filled and how much is initialized.
//!
//! The buffer is split into three regions, always in this order:
//!
//! ```text
//! [             capacity              ]
//! [ filled |         unfilled         ]
//! [    initialized    | uninitialized ]
//! ```
//!
//! Readers may hand out uninitialized memory (`Vec::spare_capacity_mut`) without zeroing it first;
//! `ReadBuf` remembers the initialized prefix so it is zeroed at most once. This is the design of
//! tokio's `ReadBuf` and of std's `BorrowedBuf` (RFC 2930, "read_buf"), with the same signatures.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and initialized.
///
/// Invariant: `filled <= initialized <= capacity`, and the first `initialized` bytes of `buf`
/// hold initialized `u8`s.
///
/// ```
/// use gort_reactor::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"hi");
/// assert_eq!(buf.filled(), b"hi");
/// assert_eq!(buf.remaining(), 6);
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// Creates a new `ReadBuf` over a fully initialized buffer; nothing is filled yet.
    ///
    /// ```
    /// let mut storage = vec![0u8; 4];
    /// let buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// assert_eq!(buf.initialized().len(), 4);
    /// assert!(buf.filled().is_empty());
    /// ```
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and every byte is initialized. The
        // only way to write uninitialized bytes through the result is the unsafe `inner_mut` /
        // `unfilled_mut`, whose contracts forbid de-initializing memory.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Creates a new `ReadBuf` over a possibly uninitialized buffer; nothing is filled or
    /// initialized yet.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 16];
    /// let buf = gort_reactor::io::ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.capacity(), 16);
    /// assert!(buf.initialized().is_empty());
    /// ```
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// Returns the total capacity of the buffer.
    ///
    /// ```
    /// let mut storage = [0u8; 3];
    /// assert_eq!(gort_reactor::io::ReadBuf::new(&mut storage).capacity(), 3);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Returns the filled part of the buffer.
    ///
    /// ```
    /// let mut storage = [0u8; 3];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"a");
    /// assert_eq!(buf.filled(), b"a");
    /// ```
    #[inline]
    pub fn filled(&self) -> &[u8] {
        let slice = &self.buf[..self.filled];
        // SAFETY: `filled <= initialized`, so the slice is initialized.
        unsafe { slice_assume_init(slice) }
    }

    /// Returns a mutable reference to the filled part of the buffer.
    ///
    /// ```
    /// let mut storage = [0u8; 3];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.filled_mut()[0] = b'x';
    /// assert_eq!(buf.filled(), b"xb");
    /// ```
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.filled];
        // SAFETY: `filled <= initialized`, so the slice is initialized.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns a new `ReadBuf` over the first `n` unfilled bytes of this one.
    ///
    /// The new buffer starts with nothing filled; bytes it initializes are not reflected in
    /// `self` (use [`assume_init`](Self::assume_init) and [`advance`](Self::advance) afterwards).
    ///
    /// ```
    /// let mut storage = [0u8; 8];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// let part = buf.take(3);
    /// assert_eq!(part.capacity(), 3);
    /// assert_eq!(part.initialized().len(), 3);
    /// ```
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let max = n.min(self.remaining());
        let initialized = (self.initialized - self.filled).min(max);
        let unfilled = &mut self.buf[self.filled..self.filled + max];
        ReadBuf {
            buf: unfilled,
            filled: 0,
            initialized,
        }
    }

    /// Returns the initialized part of the buffer (filled or not).
    ///
    /// ```
    /// let mut storage = [7u8; 2];
    /// let buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// assert_eq!(buf.initialized(), &[7, 7]);
    /// ```
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        let slice = &self.buf[..self.initialized];
        // SAFETY: by the struct invariant, the first `initialized` bytes are initialized.
        unsafe { slice_assume_init(slice) }
    }

    /// Returns a mutable reference to the initialized part of the buffer (filled or not).
    ///
    /// ```
    /// let mut storage = [0u8; 2];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.initialized_mut()[1] = 9;
    /// assert_eq!(buf.initialized(), &[0, 9]);
    /// ```
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.initialized];
        // SAFETY: by the struct invariant, the first `initialized` bytes are initialized.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns the whole buffer as a slice of possibly uninitialized bytes.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize bytes that are already initialized (for example by
    /// writing `MaybeUninit::uninit()` into them).
    ///
    /// ```
    /// let mut storage = [0u8; 2];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// // SAFETY: only initialized values are written.
    /// unsafe { buf.inner_mut()[0].write(5) };
    /// assert_eq!(buf.initialized()[0], 5);
    /// ```
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// Returns the unfilled part of the buffer, which may be uninitialized.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize bytes that are already initialized.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = gort_reactor::io::ReadBuf::uninit(&mut storage);
    /// // SAFETY: only initialized values are written, then exactly those are declared initialized.
    /// unsafe {
    ///     buf.unfilled_mut()[0].write(b'z');
    ///     buf.assume_init(1);
    /// }
    /// buf.advance(1);
    /// assert_eq!(buf.filled(), b"z");
    /// ```
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// Returns the unfilled part of the buffer, zeroing whatever of it is not yet initialized.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = gort_reactor::io::ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.initialize_unfilled(), &[0, 0, 0, 0]);
    /// assert_eq!(buf.initialized().len(), 4);
    /// ```
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Returns the first `n` bytes of the unfilled part, zeroing whatever of them is not yet
    /// initialized.
    ///
    /// # Panics
    ///
    /// Panics if `n` is larger than [`remaining`](Self::remaining).
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = gort_reactor::io::ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.initialize_unfilled_to(2).len(), 2);
    /// assert_eq!(buf.initialized().len(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            self.remaining() >= n,
            "n overflows remaining; n = {n}, remaining() = {}",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            for byte in &mut self.buf[self.initialized..end] {
                byte.write(0);
            }
            self.initialized = end;
        }
        let slice = &mut self.buf[self.filled..end];
        // SAFETY: every byte below `end <= initialized` is initialized (just zeroed if needed).
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns the number of bytes that can still be filled.
    ///
    /// ```
    /// let mut storage = [0u8; 5];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.advance(2);
    /// assert_eq!(buf.remaining(), 3);
    /// ```
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Clears the filled region; the initialized region is kept.
    ///
    /// ```
    /// let mut storage = [0u8; 5];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// buf.clear();
    /// assert!(buf.filled().is_empty());
    /// assert_eq!(buf.initialized().len(), 5);
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Marks `n` more bytes as filled.
    ///
    /// # Panics
    ///
    /// Panics if the filled region would grow past the initialized region.
    ///
    /// ```
    /// let mut storage = [0u8; 5];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.initialize_unfilled()[..2].copy_from_slice(b"ok");
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), b"ok");
    /// ```
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self.filled.checked_add(n).expect("filled overflow");
        self.set_filled(new);
    }

    /// Sets the size of the filled region (it may shrink).
    ///
    /// # Panics
    ///
    /// Panics if `n` is larger than the initialized region.
    ///
    /// ```
    /// let mut storage = [0u8; 5];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abcd");
    /// buf.set_filled(1);
    /// assert_eq!(buf.filled(), b"a");
    /// ```
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "filled must not become larger than initialized; n = {n}, initialized = {} \
             (initialize the bytes first: initialize_unfilled, put_slice or assume_init)",
            self.initialized
        );
        self.filled = n;
    }

    /// Declares the first `n` unfilled bytes initialized.
    ///
    /// Does nothing if they already are; never shrinks the initialized region.
    ///
    /// # Safety
    ///
    /// The caller must have initialized the first `n` bytes of the unfilled region.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = gort_reactor::io::ReadBuf::uninit(&mut storage);
    /// // SAFETY: two bytes are written before they are declared initialized.
    /// unsafe {
    ///     buf.unfilled_mut()[0].write(1);
    ///     buf.unfilled_mut()[1].write(2);
    ///     buf.assume_init(2);
    /// }
    /// assert_eq!(buf.initialized(), &[1, 2]);
    /// ```
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let new = self.filled + n;
        if new > self.initialized {
            self.initialized = new;
        }
    }

    /// Appends `buf` to the filled region, initializing as needed.
    ///
    /// # Panics
    ///
    /// Panics if `buf` is longer than [`remaining`](Self::remaining).
    ///
    /// ```
    /// let mut storage = [0u8; 4];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.put_slice(b"cd");
    /// assert_eq!(buf.filled(), b"abcd");
    /// ```
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, buf: &[u8]) {
        assert!(
            self.remaining() >= buf.len(),
            "buf.len() must fit in remaining(); buf.len() = {}, remaining() = {}",
            buf.len(),
            self.remaining()
        );
        let end = self.filled + buf.len();
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`; the destination lies within `self.buf`
        // (checked above) and cannot overlap `buf`, which is a shared borrow.
        unsafe {
            let dst = self.buf.as_mut_ptr().add(self.filled) as *mut u8;
            std::ptr::copy_nonoverlapping(buf.as_ptr(), dst, buf.len());
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

// SAFETY: `remaining_mut` is exactly the unfilled length; `chunk_mut` hands out the unfilled
// region as uninitialized memory (writes through it never de-initialize anything);
// `advance_mut(cnt)` is called by `BufMut` users only after initializing `cnt` bytes of that
// chunk (its contract), so marking them initialized then filled keeps the struct invariant.
unsafe impl bytes::BufMut for ReadBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller initialized `cnt` bytes of the unfilled region (BufMut contract).
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: only initialized bytes are ever written through an `UninitSlice`.
        let unfilled = unsafe { self.unfilled_mut() };
        bytes::buf::UninitSlice::uninit(unfilled)
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; the caller guarantees initialization.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; the caller guarantees initialization.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_is_fully_initialized_and_empty() {
        let mut storage = [1u8, 2, 3];
        let buf = ReadBuf::new(&mut storage);
        assert_eq!(buf.capacity(), 3);
        assert_eq!(buf.remaining(), 3);
        assert_eq!(buf.initialized(), &[1, 2, 3]);
        assert!(buf.filled().is_empty());
    }

    #[test]
    fn uninit_tracks_initialization_once() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert!(buf.initialized().is_empty());
        buf.initialize_unfilled_to(3).copy_from_slice(b"abc");
        assert_eq!(buf.initialized(), b"abc");
        buf.advance(2);
        assert_eq!(buf.filled(), b"ab");
        // Already-initialized bytes are not zeroed again.
        assert_eq!(buf.initialize_unfilled_to(1), b"c");
        assert_eq!(buf.initialize_unfilled(), &[b'c', 0, 0, 0, 0, 0]);
        assert_eq!(buf.initialized().len(), 8);
    }

    #[test]
    fn put_slice_extends_initialized_past_filled() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 6];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"hello");
        assert_eq!(buf.filled(), b"hello");
        assert_eq!(buf.initialized(), b"hello");
        assert_eq!(buf.remaining(), 1);
        buf.filled_mut()[0] = b'j';
        assert_eq!(buf.filled(), b"jello");
    }

    #[test]
    #[should_panic(expected = "buf.len() must fit in remaining()")]
    fn put_slice_overflow_panics() {
        let mut storage = [0u8; 2];
        ReadBuf::new(&mut storage).put_slice(b"abc");
    }

    #[test]
    #[should_panic(expected = "filled must not become larger than initialized")]
    fn advance_past_initialized_panics() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.advance(1);
    }

    #[test]
    #[should_panic(expected = "n overflows remaining")]
    fn initialize_unfilled_to_beyond_remaining_panics() {
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        buf.advance(3);
        buf.initialize_unfilled_to(2);
    }

    #[test]
    fn set_filled_can_shrink_and_clear_keeps_initialized() {
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"wxyz");
        buf.set_filled(2);
        assert_eq!(buf.filled(), b"wx");
        buf.clear();
        assert!(buf.filled().is_empty());
        assert_eq!(buf.initialized(), b"wxyz");
        assert_eq!(buf.remaining(), 4);
    }

    #[test]
    fn assume_init_after_raw_writes() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        // SAFETY: exactly the two written bytes are declared initialized.
        unsafe {
            let unfilled = buf.unfilled_mut();
            unfilled[0].write(b'o');
            unfilled[1].write(b'k');
            buf.assume_init(2);
        }
        buf.advance(2);
        assert_eq!(buf.filled(), b"ok");
        // assume_init never shrinks what is known to be initialized.
        // SAFETY: zero bytes claimed.
        unsafe { buf.assume_init(0) };
        assert_eq!(buf.initialized(), b"ok");
    }

    #[test]
    fn take_limits_capacity_and_shares_memory() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 10];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"ab");
        buf.initialize_unfilled_to(4);
        let initialized_after_put = buf.initialized().len();
        assert_eq!(initialized_after_put, 6);
        {
            let mut part = buf.take(3);
            assert_eq!(part.capacity(), 3);
            assert_eq!(part.initialized().len(), 3);
            part.put_slice(b"cde");
            assert_eq!(part.remaining(), 0);
        }
        // The bytes went into the parent's memory; the parent advances to reveal them.
        buf.advance(3);
        assert_eq!(buf.filled(), b"abcde");
        // take beyond remaining is clamped.
        assert_eq!(buf.take(100).capacity(), 5);
    }

    #[test]
    fn take_of_uninit_tail_starts_uninitialized() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut part = buf.take(4);
        assert!(part.initialized().is_empty());
        part.put_slice(b"x");
        assert_eq!(part.filled(), b"x");
    }

    #[test]
    fn inner_mut_covers_whole_buffer() {
        let mut storage = [0u8; 3];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"a");
        // SAFETY: writes an initialized value only.
        unsafe { buf.inner_mut()[2].write(b'z') };
        assert_eq!(buf.initialized(), &[b'a', 0, b'z']);
        assert_eq!(
            format!("{buf:?}"),
            "ReadBuf { filled: 1, initialized: 3, capacity: 3 }"
        );
    }

    #[test]
    fn buf_mut_puts_advance_filled_and_initialized() {
        use bytes::BufMut;
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_u16(0x0102);
        BufMut::put_slice(&mut buf, b"xy");
        assert_eq!(buf.remaining_mut(), 4);
        assert_eq!(buf.filled(), &[1, 2, b'x', b'y']);
        assert_eq!(buf.initialized().len(), 4);
        buf.put_bytes(9, 4);
        assert_eq!(buf.filled(), &[1, 2, b'x', b'y', 9, 9, 9, 9]);
        assert!(!buf.has_remaining_mut());
    }

    #[test]
    fn zero_capacity_buffer() {
        let mut storage: [u8; 0] = [];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(buf.remaining(), 0);
        assert!(buf.initialize_unfilled().is_empty());
        buf.put_slice(b"");
        assert!(buf.filled().is_empty());
    }
}

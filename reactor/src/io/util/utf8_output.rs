//! Appending bytes to a `String` that must never hold invalid UTF-8, even if the future doing
//! the appending is dropped half way (shared by `read_to_string` and `read_line`).

/// Owns the bytes of a borrowed `String` while a read appends to them; puts them back, checked,
/// when finished or dropped.
#[derive(Debug)]
pub(super) struct Utf8Output<'a> {
    output: &'a mut String,
    bytes: Vec<u8>,
    start_len: usize,
    finished: bool,
}

impl<'a> Utf8Output<'a> {
    pub(super) fn new(output: &'a mut String) -> Self {
        let start_len = output.len();
        let bytes = std::mem::take(output).into_bytes();
        Utf8Output {
            output,
            bytes,
            start_len,
            finished: false,
        }
    }

    /// The string's bytes, for the read to append to.
    pub(super) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Bytes appended so far.
    pub(super) fn appended(&self) -> usize {
        self.bytes.len() - self.start_len
    }

    /// Puts the bytes back. If the appended bytes are valid UTF-8 they are all kept and this
    /// returns `Ok(appended)`; otherwise the string is restored to its original content (as std
    /// does) and this returns an `InvalidData` error whose inner error is the `Utf8Error` of the
    /// whole string (its `valid_up_to` counts the original content too, as tokio's).
    pub(super) fn finish(&mut self) -> std::io::Result<usize> {
        let appended = self.appended();
        let invalid = std::str::from_utf8(&self.bytes).err();
        self.finished = true;
        self.put_back(false);
        match invalid {
            None => Ok(appended),
            Some(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        }
    }

    /// Restores the string to its original content, dropping everything appended (what
    /// `read_to_string` does when the read fails).
    pub(super) fn discard(&mut self) {
        self.bytes.truncate(self.start_len);
        self.finished = true;
        self.put_back(false);
    }

    /// Moves the bytes back into the string; on invalid UTF-8 keeps either nothing new or the
    /// valid prefix of the new bytes. Returns whether all new bytes were valid.
    fn put_back(&mut self, keep_valid_prefix: bool) -> bool {
        let mut bytes = std::mem::take(&mut self.bytes);
        let valid = match std::str::from_utf8(&bytes[self.start_len..]) {
            Ok(_) => true,
            Err(e) => {
                let keep = if keep_valid_prefix {
                    e.valid_up_to()
                } else {
                    0
                };
                bytes.truncate(self.start_len + keep);
                false
            }
        };
        // SAFETY: the first `start_len` bytes came from a `String`, and the rest were just
        // checked (or truncated) to be valid UTF-8; a valid prefix ends on a char boundary.
        *self.output = unsafe { String::from_utf8_unchecked(bytes) };
        valid
    }
}

impl Drop for Utf8Output<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Cancelled: keep what was read, up to the last complete character.
            self.put_back(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bytes_are_appended() {
        let mut s = String::from("a");
        let mut out = Utf8Output::new(&mut s);
        out.bytes_mut().extend_from_slice("bé".as_bytes());
        assert_eq!(out.finish().unwrap(), 3);
        drop(out);
        assert_eq!(s, "abé");
    }

    #[test]
    fn invalid_bytes_restore_the_original() {
        let mut s = String::from("keep");
        let mut out = Utf8Output::new(&mut s);
        out.bytes_mut().extend_from_slice(b"ok\xff");
        assert_eq!(
            out.finish().unwrap_err().kind(),
            std::io::ErrorKind::InvalidData
        );
        drop(out);
        assert_eq!(s, "keep");
    }

    #[test]
    fn drop_keeps_the_complete_characters() {
        let mut s = String::new();
        let mut out = Utf8Output::new(&mut s);
        // "é" is two bytes; the second one has not arrived yet.
        out.bytes_mut().extend_from_slice(&"xé".as_bytes()[..2]);
        drop(out);
        assert_eq!(s, "x");
    }
}

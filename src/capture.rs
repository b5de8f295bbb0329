//! A bounded output buffer: keeps the head and the tail of what a gate prints, counts the rest.
//! A gate printing gigabytes must not grow backstop's memory.

use std::collections::VecDeque;

/// Bytes kept from the start of the output.
pub const HEAD_BYTES: usize = 64 * 1024;
/// Bytes kept from the end of the output.
pub const TAIL_BYTES: usize = 192 * 1024;

/// Captured output of one gate, at most `HEAD_BYTES + TAIL_BYTES` in memory.
#[derive(Debug, Clone)]
pub struct Capture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_limit: usize,
    tail_limit: usize,
    dropped: u64,
}

impl Default for Capture {
    fn default() -> Self {
        Capture::with_limits(HEAD_BYTES, TAIL_BYTES)
    }
}

impl Capture {
    /// A buffer with custom limits (tests use small ones).
    pub fn with_limits(head_limit: usize, tail_limit: usize) -> Capture {
        Capture {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_limit,
            tail_limit,
            dropped: 0,
        }
    }

    /// Appends bytes, dropping from the middle once both ends are full.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.head.len() < self.head_limit {
            let take = bytes.len().min(self.head_limit - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        if bytes.len() >= self.tail_limit {
            self.dropped += (self.tail.len() + bytes.len() - self.tail_limit) as u64;
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_limit..]);
            return;
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.tail_limit);
        self.tail.drain(..overflow);
        self.dropped += overflow as u64;
        self.tail.extend(bytes);
    }

    /// Total bytes seen, kept or not.
    pub fn total(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.dropped
    }

    /// Whether bytes were dropped from the middle (the text is not the whole output).
    pub fn was_cut(&self) -> bool {
        self.dropped > 0
    }

    /// The kept text with ANSI escape codes removed and a marker where bytes were dropped.
    pub fn text(&self) -> String {
        let mut bytes = self.head.clone();
        if self.dropped > 0 {
            bytes.extend_from_slice(
                format!("\n[… {} bytes of output omitted …]\n", self.dropped).as_bytes(),
            );
        }
        bytes.extend(self.tail.iter());
        String::from_utf8_lossy(&strip_ansi(&bytes)).into_owned()
    }
}

/// Removes ANSI escape codes but keeps tabs, which the stripper drops with the other control
/// characters (`go test` separates its package lines with tabs, stack frames start with one).
fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::with_capacity(bytes.len());
    for (i, piece) in bytes.split(|b| *b == b'\t').enumerate() {
        if i > 0 {
            plain.push(b'\t');
        }
        plain.extend(strip_ansi_escapes::strip(piece));
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut capture = Capture::with_limits(4, 4);
        capture.push(b"abc");
        capture.push(b"def");
        assert_eq!(capture.text(), "abcdef");
        assert_eq!(capture.total(), 6);
    }

    #[test]
    fn large_output_keeps_head_and_tail_and_counts_the_middle() {
        let mut capture = Capture::with_limits(3, 3);
        for chunk in [&b"abcd"[..], b"efgh", b"ij", b"klmnopq"] {
            capture.push(chunk);
        }
        assert_eq!(capture.total(), 17);
        assert_eq!(capture.text(), "abc\n[… 11 bytes of output omitted …]\nopq");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut capture = Capture::with_limits(10, 10);
        for _ in 0..10_000 {
            capture.push(&[b'x'; 1000]);
        }
        assert_eq!(capture.head.len() + capture.tail.len(), 20);
        assert_eq!(capture.total(), 10_000_000);
    }

    #[test]
    fn ansi_codes_are_stripped() {
        let mut capture = Capture::default();
        capture.push(b"\x1b[31merror\x1b[0m: bad\n");
        assert_eq!(capture.text(), "error: bad\n");
    }

    #[test]
    fn tabs_survive_the_stripping() {
        let mut capture = Capture::default();
        capture.push(
            b"FAIL\texample.com/calc\t0.005s\n\t/src/calc_test.go:23 +0x2e\n\x1b[1m\tbold\x1b[0m\n",
        );
        assert_eq!(
            capture.text(),
            "FAIL\texample.com/calc\t0.005s\n\t/src/calc_test.go:23 +0x2e\n\tbold\n"
        );
    }
}

//! The console: the guest's standard streams, as one tty with a line
//! discipline (`ldisc.rs`) or as plain streams, depending on what the host
//! has.
//!
//! The front end feeds keyboard (or stdin) bytes with [`Console::input`] and
//! drains output with [`Console::take_output`]. Without a tty, fd 0 is a
//! pipe-like stream ended by [`Console::eof`] and fds 1 and 2 write to the
//! host's stdout and stderr.

use std::collections::VecDeque;

use super::ldisc::{take_bytes, LineDiscipline, WinSize};
use super::special::would_block;
use crate::sys::SysError;
use crate::task::Pid;
use crate::Stream;

/// A signal the line discipline sends: (process group, signal number).
pub type TtySignal = (Pid, u32);

const SIGWINCH: u32 = 28;

/// The console of a VM.
pub struct Console {
    tty: [bool; 3],
    pub ldisc: LineDiscipline,
    /// Foreground process group (0: none yet).
    pub foreground: Pid,
    /// Session the tty controls (0: none).
    pub session: Pid,
    /// Signals other terminals (pty masters) raised during a system call,
    /// for the system call layer to send.
    pub(crate) signals: Vec<TtySignal>,
    /// Input of a non-tty stdin.
    stdin: VecDeque<Vec<u8>>,
    /// Non-tty stdin has ended.
    stdin_eof: bool,
    out: Vec<(Stream, Vec<u8>)>,
}

impl Console {
    pub fn new(tty: [bool; 3]) -> Console {
        Console {
            tty,
            ldisc: LineDiscipline::new(WinSize {
                rows: 24,
                cols: 80,
                xpixel: 0,
                ypixel: 0,
            }),
            foreground: 0,
            session: 0,
            signals: Vec::new(),
            stdin: VecDeque::new(),
            stdin_eof: false,
            out: Vec::new(),
        }
    }

    /// Whether standard fd `i` is the tty.
    pub fn is_tty(&self, i: usize) -> bool {
        self.tty.get(i).copied().unwrap_or(false)
    }

    pub fn has_tty(&self) -> bool {
        self.tty.contains(&true)
    }

    /// Where tty output goes: the host's terminal is stdout unless only
    /// stderr is one.
    fn tty_stream(&self) -> Stream {
        if !self.tty[1] && self.tty[2] {
            Stream::Stderr
        } else {
            Stream::Stdout
        }
    }

    /// Output produced since the last call, in order.
    pub fn take_output(&mut self) -> Vec<(Stream, Vec<u8>)> {
        std::mem::take(&mut self.out)
    }

    fn emit(&mut self, stream: Stream, bytes: &[u8]) {
        match self.out.last_mut() {
            Some((s, buf)) if *s == stream => buf.extend_from_slice(bytes),
            _ => self.out.push((stream, bytes.to_vec())),
        }
    }

    /// Moves what the line discipline produced to the tty's stream.
    fn flush_tty(&mut self) {
        let bytes = self.ldisc.take_output();
        if !bytes.is_empty() {
            self.emit(self.tty_stream(), &bytes);
        }
    }

    /// Writes to a non-tty output stream.
    pub fn write_stream(&mut self, stream: Stream, bytes: &[u8]) {
        self.emit(stream, bytes);
    }

    /// Writes to the tty, with output processing.
    pub fn write_tty(&mut self, bytes: &[u8]) {
        self.ldisc.write(bytes);
        self.flush_tty();
    }

    /// Host input arrived. Returns the signals to send.
    pub fn input(&mut self, bytes: &[u8]) -> Vec<TtySignal> {
        if !self.tty[0] {
            if !bytes.is_empty() {
                self.stdin.push_back(bytes.to_vec());
            }
            return Vec::new();
        }
        let signals = self.ldisc.input(bytes);
        self.flush_tty();
        self.to_foreground(signals)
    }

    fn to_foreground(&self, signals: Vec<u32>) -> Vec<TtySignal> {
        if self.foreground == 0 {
            return Vec::new();
        }
        signals.into_iter().map(|s| (self.foreground, s)).collect()
    }

    /// The host's stdin ended (non-tty), or the terminal hung up.
    pub fn eof(&mut self) {
        if self.tty[0] {
            self.ldisc.hang_up();
        } else {
            self.stdin_eof = true;
        }
    }

    /// The terminal changed size: SIGWINCH for the foreground group.
    pub fn resize(&mut self, rows: u16, cols: u16) -> Vec<TtySignal> {
        let new = WinSize {
            rows,
            cols,
            ..self.ldisc.winsize
        };
        self.set_size(new)
    }

    /// `TIOCSWINSZ`.
    pub fn set_size(&mut self, w: WinSize) -> Vec<TtySignal> {
        let changed = self.ldisc.set_winsize(w);
        self.to_foreground(if changed { vec![SIGWINCH] } else { Vec::new() })
    }

    /// Bytes a read could return now (`FIONREAD`) from the tty or stdin.
    pub fn available(&self, tty: bool) -> usize {
        if tty {
            self.ldisc.available()
        } else {
            self.stdin.iter().map(Vec::len).sum()
        }
    }

    /// Whether a read would return now (data or end of file).
    pub fn readable(&self, tty: bool) -> bool {
        if tty {
            self.ldisc.readable()
        } else {
            !self.stdin.is_empty() || self.stdin_eof
        }
    }

    /// Reads from non-tty stdin.
    pub fn read_stdin(&mut self, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        if self.stdin.is_empty() {
            return if self.stdin_eof || buf.is_empty() {
                Ok(0)
            } else {
                Err(would_block(nonblock))
            };
        }
        Ok(take_bytes(&mut self.stdin, buf))
    }

    /// Reads from the tty (see [`LineDiscipline::read`]); echo may follow.
    pub fn read_tty(
        &mut self,
        buf: &mut [u8],
        nonblock: bool,
        now: u64,
        deadline: &mut Option<u64>,
    ) -> Result<usize, SysError> {
        self.ldisc.read(buf, nonblock, now, deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::ldisc::{SIGINT, SIGQUIT, SIGTSTP};

    #[test]
    fn tty_signals_go_to_the_foreground_and_echo_to_the_screen() {
        let mut c = Console::new([true, true, true]);
        assert_eq!(c.input(b"\x03"), vec![]);
        c.foreground = 7;
        c.input(b"partial");
        assert_eq!(c.input(b"\x03"), vec![(7, SIGINT)]);
        assert_eq!(c.input(b"\x1a\x1c"), vec![(7, SIGTSTP), (7, SIGQUIT)]);
        let out: Vec<u8> = c.take_output().into_iter().flat_map(|(_, b)| b).collect();
        assert!(out.starts_with(b"^Cpartial^C"));
        assert_eq!(c.resize(50, 100), vec![(7, SIGWINCH)]);
        assert_eq!(c.resize(50, 100), vec![]);
    }

    #[test]
    fn plain_streams() {
        let mut c = Console::new([false; 3]);
        let mut buf = [0u8; 4];
        assert_eq!(
            c.read_stdin(&mut buf, false),
            Err(SysError::Block { until: None })
        );
        c.input(b"abcdef");
        c.eof();
        assert_eq!(c.available(false), 6);
        assert_eq!(c.read_stdin(&mut buf, false), Ok(4));
        assert_eq!(c.read_stdin(&mut buf, false), Ok(2));
        assert_eq!(c.read_stdin(&mut buf, false), Ok(0));
        c.write_stream(Stream::Stdout, b"a\n");
        c.write_stream(Stream::Stdout, b"b");
        c.write_stream(Stream::Stderr, b"e");
        assert_eq!(
            c.take_output(),
            vec![
                (Stream::Stdout, b"a\nb".to_vec()),
                (Stream::Stderr, b"e".to_vec())
            ]
        );
    }
}

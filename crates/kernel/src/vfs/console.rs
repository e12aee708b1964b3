//! The console: the guest's standard streams, as one tty with a line
//! discipline or as plain streams, depending on what the host has.
//!
//! The front end feeds keyboard (or stdin) bytes with [`Console::input`] and
//! drains output with [`Console::take_output`]. With a tty, input goes
//! through the line discipline, Linux's `n_tty` in miniature:
//! - input flags: `ICRNL`, `INLCR`, `IGNCR`;
//! - `ISIG`: the `VINTR`/`VQUIT`/`VSUSP` characters become SIGINT, SIGQUIT,
//!   SIGTSTP for the foreground process group (returned to the kernel);
//! - `ICANON`: a line is edited (`VERASE` and ^H, `VKILL`, `VWERASE`) and
//!   becomes readable at newline, `VEOL`, `VEOL2` or `VEOF`; a `VEOF` on an
//!   empty line makes one `read` return 0;
//! - otherwise bytes are readable at once, `read` honouring `VMIN`/`VTIME`;
//! - `ECHO` (with `ECHOE`, `ECHOK`, `ECHOCTL`, `ECHONL`) and output `ONLCR`.
//!
//! Without a tty, fd 0 is a pipe-like stream ended by [`Console::eof`] and
//! fds 1 and 2 write to the host's stdout and stderr.
//! Not modelled yet: SIGTTIN/SIGTTOU for background groups, `VLNEXT`,
//! `IXON` flow control, `VREPRINT`.

use std::collections::VecDeque;

use crate::abi::errno::Errno;
use crate::abi::termios::*;
use crate::sys::SysError;
use crate::task::Pid;
use crate::Stream;

/// A signal the line discipline sends: (process group, signal number).
pub type TtySignal = (Pid, u32);

const SIGINT: u32 = 2;
const SIGQUIT: u32 = 3;
const SIGTSTP: u32 = 20;
const SIGWINCH: u32 = 28;
/// Longest line being edited (`N_TTY_BUF_SIZE`); more input is dropped.
const MAX_CANON: usize = 4095;

/// Terminal settings (`struct termios`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; NCCS],
}

impl Default for Termios {
    /// Linux's defaults for a new terminal (`tty_std_termios`, UTF-8).
    fn default() -> Self {
        let mut cc = [0u8; NCCS];
        let defaults = [
            3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0,
        ];
        cc[..defaults.len()].copy_from_slice(&defaults);
        Termios {
            iflag: ICRNL | IXON | IUTF8,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD | HUPCL,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc,
        }
    }
}

impl Termios {
    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut b = [0u8; TERMIOS_SIZE];
        for (i, v) in [self.iflag, self.oflag, self.cflag, self.lflag]
            .into_iter()
            .enumerate()
        {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        b[16] = self.line;
        b[17..17 + NCCS].copy_from_slice(&self.cc);
        b
    }

    pub fn from_bytes(b: &[u8; TERMIOS_SIZE]) -> Termios {
        let word =
            |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&b[17..17 + NCCS]);
        Termios {
            iflag: word(0),
            oflag: word(1),
            cflag: word(2),
            lflag: word(3),
            line: b[16],
            cc,
        }
    }

    fn l(&self, flag: u32) -> bool {
        self.lflag & flag != 0
    }
}

/// Terminal size (`struct winsize`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

/// The console of a VM.
pub struct Console {
    tty: [bool; 3],
    pub termios: Termios,
    pub winsize: WinSize,
    /// Foreground process group (0: none yet).
    pub foreground: Pid,
    /// Session the tty controls (0: none).
    pub session: Pid,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Readable input. In canonical mode each element is one line (an empty
    /// element is an end-of-file mark); otherwise bytes in any grouping.
    ready: VecDeque<Vec<u8>>,
    /// Non-tty stdin has ended.
    stdin_eof: bool,
    out: Vec<(Stream, Vec<u8>)>,
}

impl Console {
    pub fn new(tty: [bool; 3]) -> Console {
        Console {
            tty,
            termios: Termios::default(),
            winsize: WinSize {
                rows: 24,
                cols: 80,
                xpixel: 0,
                ypixel: 0,
            },
            foreground: 0,
            session: 0,
            line: Vec::new(),
            ready: VecDeque::new(),
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

    /// Writes to a non-tty output stream.
    pub fn write_stream(&mut self, stream: Stream, bytes: &[u8]) {
        self.emit(stream, bytes);
    }

    /// Writes to the tty, with output processing.
    pub fn write_tty(&mut self, bytes: &[u8]) {
        let t = self.termios;
        if t.oflag & OPOST != 0 && t.oflag & ONLCR != 0 && bytes.contains(&b'\n') {
            let mut cooked = Vec::with_capacity(bytes.len() + 8);
            for &b in bytes {
                if b == b'\n' {
                    cooked.push(b'\r');
                }
                cooked.push(b);
            }
            self.emit(self.tty_stream(), &cooked);
        } else {
            self.emit(self.tty_stream(), bytes);
        }
    }

    /// Host input arrived. Returns the signals to send.
    pub fn input(&mut self, bytes: &[u8]) -> Vec<TtySignal> {
        if !self.tty[0] {
            if !bytes.is_empty() {
                self.ready.push_back(bytes.to_vec());
            }
            return Vec::new();
        }
        let mut signals = Vec::new();
        for &b in bytes {
            if let Some(sig) = self.input_byte(b) {
                if self.foreground != 0 {
                    signals.push((self.foreground, sig));
                }
            }
        }
        signals
    }

    /// The host's stdin ended (non-tty), or the terminal hung up.
    pub fn eof(&mut self) {
        if self.tty[0] {
            self.ready.push_back(Vec::new());
        } else {
            self.stdin_eof = true;
        }
    }

    /// The terminal changed size: SIGWINCH for the foreground group.
    pub fn resize(&mut self, rows: u16, cols: u16) -> Vec<TtySignal> {
        let new = WinSize {
            rows,
            cols,
            ..self.winsize
        };
        self.set_winsize(new)
    }

    fn set_winsize(&mut self, new: WinSize) -> Vec<TtySignal> {
        let changed = new != self.winsize;
        self.winsize = new;
        if changed && self.foreground != 0 {
            vec![(self.foreground, SIGWINCH)]
        } else {
            Vec::new()
        }
    }

    fn echo(&mut self, bytes: &[u8]) {
        if self.termios.l(ECHO) {
            self.write_tty(bytes);
        }
    }

    /// Echoes a typed character: control characters as `^X` with ECHOCTL.
    fn echo_char(&mut self, b: u8) {
        if self.termios.l(ECHOCTL) && (b < 0x20 || b == 0x7f) && b != b'\t' && b != b'\n' {
            self.echo(&[b'^', b ^ 0x40]);
        } else {
            self.echo(&[b]);
        }
    }

    /// Removes the last character of the edited line (a whole UTF-8
    /// sequence with IUTF8) and erases it on screen.
    fn erase_char(&mut self) -> bool {
        let Some(mut b) = self.line.pop() else {
            return false;
        };
        if self.termios.iflag & IUTF8 != 0 {
            while b & 0xc0 == 0x80 {
                match self.line.pop() {
                    Some(prev) => b = prev,
                    None => break,
                }
            }
        }
        if self.termios.l(ECHOE) {
            let control = self.termios.l(ECHOCTL) && (b < 0x20 || b == 0x7f) && b != b'\t';
            let seq: &[u8] = if control {
                b"\x08 \x08\x08 \x08"
            } else {
                b"\x08 \x08"
            };
            self.echo(seq);
        }
        true
    }

    fn input_byte(&mut self, mut b: u8) -> Option<u32> {
        let t = self.termios;
        if b == b'\r' {
            if t.iflag & IGNCR != 0 {
                return None;
            }
            if t.iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && t.iflag & INLCR != 0 {
            b = b'\r';
        }
        if t.l(ISIG) {
            let sig = match b {
                _ if b == t.cc[VINTR] && b != 0 => Some(SIGINT),
                _ if b == t.cc[VQUIT] && b != 0 => Some(SIGQUIT),
                _ if b == t.cc[VSUSP] && b != 0 => Some(SIGTSTP),
                _ => None,
            };
            if let Some(sig) = sig {
                if t.lflag & NOFLSH == 0 {
                    self.line.clear();
                    self.ready.clear();
                }
                self.echo_char(b);
                return Some(sig);
            }
        }
        if !t.l(ICANON) {
            self.ready.push_back(vec![b]);
            self.echo_char(b);
            return None;
        }
        if b == t.cc[VERASE] || b == 0x08 {
            self.erase_char();
        } else if b == t.cc[VKILL] {
            if t.l(ECHOK) && !t.l(ECHOKE) {
                self.line.clear();
                self.echo_char(b);
                self.echo(b"\n");
            } else {
                while self.erase_char() {}
            }
        } else if b == t.cc[VWERASE] && t.l(IEXTEN) {
            while self.line.last().is_some_and(|c| c.is_ascii_whitespace()) {
                self.erase_char();
            }
            while self.line.last().is_some_and(|c| !c.is_ascii_whitespace()) {
                self.erase_char();
            }
        } else if b == t.cc[VEOF] {
            self.ready.push_back(std::mem::take(&mut self.line));
        } else if b == b'\n' || (b != 0 && (b == t.cc[VEOL] || b == t.cc[VEOL2])) {
            self.line.push(b);
            self.ready.push_back(std::mem::take(&mut self.line));
            if b == b'\n' && !t.l(ECHO) && t.l(ECHONL) {
                self.write_tty(b"\n");
            } else {
                self.echo_char(b);
            }
        } else if self.line.len() < MAX_CANON {
            self.line.push(b);
            self.echo_char(b);
        }
        None
    }

    /// Bytes a read could return now (`FIONREAD`).
    pub fn available(&self) -> usize {
        self.ready.iter().map(Vec::len).sum()
    }

    /// Whether a read would return now (data or end of file).
    pub fn readable(&self, tty: bool) -> bool {
        !self.ready.is_empty() || (!tty && self.stdin_eof)
    }

    /// Reads from non-tty stdin.
    pub fn read_stdin(&mut self, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        if self.ready.is_empty() {
            return if self.stdin_eof || buf.is_empty() {
                Ok(0)
            } else {
                Err(would_block(nonblock, None))
            };
        }
        Ok(self.take_bytes(buf))
    }

    /// Takes bytes across chunks until `buf` is full or input runs out.
    fn take_bytes(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let Some(front) = self.ready.front_mut() else {
                break;
            };
            let k = front.len().min(buf.len() - n);
            buf[n..n + k].copy_from_slice(&front[..k]);
            front.drain(..k);
            n += k;
            if front.is_empty() {
                self.ready.pop_front();
            }
        }
        n
    }

    /// Reads from the tty. `deadline` is the task's restart deadline for
    /// `VTIME` (kept across re-executions).
    pub fn read_tty(
        &mut self,
        buf: &mut [u8],
        nonblock: bool,
        now: u64,
        deadline: &mut Option<u64>,
    ) -> Result<usize, SysError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let t = self.termios;
        if t.l(ICANON) {
            let Some(front) = self.ready.front_mut() else {
                return Err(would_block(nonblock, None));
            };
            // One line per read; an empty line is an end-of-file mark.
            let k = front.len().min(buf.len());
            buf[..k].copy_from_slice(&front[..k]);
            front.drain(..k);
            if front.is_empty() {
                self.ready.pop_front();
            }
            return Ok(k);
        }
        // Leftover end-of-file marks mean nothing in raw mode.
        self.ready.retain(|c| !c.is_empty());
        let (vmin, vtime) = (
            usize::from(t.cc[VMIN]),
            u64::from(t.cc[VTIME]) * 100_000_000,
        );
        let have = self.available();
        let timed_out = deadline.is_some_and(|d| now >= d);
        if have >= vmin.min(buf.len()).max(1) || timed_out || (vmin == 0 && vtime == 0) {
            *deadline = None;
            return Ok(self.take_bytes(buf));
        }
        if nonblock {
            return Err(SysError::Errno(Errno::EAGAIN));
        }
        // VTIME runs from the call (VMIN 0) or from the first byte (VMIN > 0).
        if vtime > 0 && deadline.is_none() && (vmin == 0 || have > 0) {
            *deadline = Some(now + vtime);
        }
        Err(SysError::Block { until: *deadline })
    }

    /// Discards pending input (`TCFLSH`, `TCSETSF`).
    pub fn flush_input(&mut self) {
        self.line.clear();
        self.ready.clear();
    }

    /// Applies new settings; leaving canonical mode makes the edited line readable.
    pub fn set_termios(&mut self, t: Termios) {
        if self.termios.l(ICANON) && t.lflag & ICANON == 0 && !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.ready.push_back(line);
        }
        self.termios = t;
    }

    /// `TIOCSWINSZ`.
    pub fn set_size(&mut self, w: WinSize) -> Vec<TtySignal> {
        self.set_winsize(w)
    }
}

fn would_block(nonblock: bool, until: Option<u64>) -> SysError {
    if nonblock {
        SysError::Errno(Errno::EAGAIN)
    } else {
        SysError::Block { until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tty() -> Console {
        let mut c = Console::new([true, true, true]);
        c.foreground = 7;
        c
    }

    fn read(c: &mut Console) -> Result<Vec<u8>, SysError> {
        let mut buf = [0u8; 64];
        let n = c.read_tty(&mut buf, false, 0, &mut None)?;
        Ok(buf[..n].to_vec())
    }

    fn output(c: &mut Console) -> Vec<u8> {
        c.take_output().into_iter().flat_map(|(_, b)| b).collect()
    }

    #[test]
    fn canonical_line_editing_and_echo() {
        let mut c = tty();
        assert_eq!(read(&mut c), Err(SysError::Block { until: None }));
        c.input(b"helo\x7fp\x08lo wor\x17world\r");
        assert_eq!(
            output(&mut c),
            b"helo\x08 \x08p\x08 \x08lo wor\x08 \x08\x08 \x08\x08 \x08world\r\n"
        );
        assert_eq!(read(&mut c).unwrap(), b"hello world\n");
        c.input(b"junk\x15ok\n");
        assert_eq!(read(&mut c).unwrap(), b"ok\n");
    }

    #[test]
    fn one_line_per_read_and_eof() {
        let mut c = tty();
        c.input(b"a\nb\n\x04x\x04");
        assert_eq!(read(&mut c).unwrap(), b"a\n");
        assert_eq!(read(&mut c).unwrap(), b"b\n");
        assert_eq!(read(&mut c).unwrap(), b"");
        assert_eq!(read(&mut c).unwrap(), b"x");
        let mut small = [0u8; 1];
        c.input(b"yz\n");
        assert_eq!(c.read_tty(&mut small, false, 0, &mut None), Ok(1));
        assert_eq!(read(&mut c).unwrap(), b"z\n");
    }

    #[test]
    fn interrupt_signals_foreground_and_flushes() {
        let mut c = tty();
        c.input(b"partial");
        assert_eq!(c.input(b"\x03"), vec![(7, SIGINT)]);
        assert!(output(&mut c).ends_with(b"^C"));
        assert_eq!(c.input(b"\x1a\x1c"), vec![(7, SIGTSTP), (7, SIGQUIT)]);
        c.input(b"\n");
        assert_eq!(read(&mut c).unwrap(), b"\n");
        assert_eq!(c.resize(50, 100), vec![(7, SIGWINCH)]);
        assert_eq!(c.resize(50, 100), vec![]);
    }

    #[test]
    fn raw_mode_vmin_vtime() {
        let mut c = tty();
        let mut t = c.termios;
        t.lflag &= !(ICANON | ECHO);
        t.cc[VMIN] = 0;
        t.cc[VTIME] = 5;
        c.set_termios(t);
        let mut buf = [0u8; 8];
        let mut dl = None;
        assert_eq!(
            c.read_tty(&mut buf, false, 1000, &mut dl),
            Err(SysError::Block {
                until: Some(500_001_000)
            })
        );
        assert_eq!(c.read_tty(&mut buf, false, 500_001_000, &mut dl), Ok(0));
        assert_eq!(dl, None);
        c.input(b"\x1b[A");
        assert_eq!(c.read_tty(&mut buf, false, 0, &mut dl), Ok(3));
        assert_eq!(output(&mut c), b"");
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

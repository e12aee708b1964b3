//! The line discipline shared by every terminal (the console and pty
//! slaves): Linux's `n_tty` in miniature, between a terminal's keyboard
//! side ([`LineDiscipline::input`]) and its programs (`read`/`write`).
//! - input flags: `ICRNL`, `INLCR`, `IGNCR`;
//! - `ISIG`: the `VINTR`/`VQUIT`/`VSUSP` characters become SIGINT, SIGQUIT,
//!   SIGTSTP, returned for the caller to send to the foreground group;
//! - `ICANON`: a line is edited (`VERASE` and ^H, `VKILL`, `VWERASE`) and
//!   becomes readable at newline, `VEOL`, `VEOL2` or `VEOF`; a `VEOF` on an
//!   empty line makes one `read` return 0;
//! - otherwise bytes are readable at once, `read` honouring `VMIN`/`VTIME`;
//! - `ECHO` (with `ECHOE`, `ECHOK`, `ECHOCTL`, `ECHONL`) and output `ONLCR`.
//!
//! Echo and program output collect in one buffer toward the terminal's
//! screen, which the owner drains ([`LineDiscipline::take_output`]).
//! Not modelled yet: `VLNEXT`, `IXON` flow control, `VREPRINT`.

use std::collections::VecDeque;

use super::special::would_block;
use super::Io;
use crate::abi::errno::Errno;
use crate::abi::termios::*;
use crate::sys::SysError;

pub(crate) const SIGINT: u32 = 2;
pub(crate) const SIGQUIT: u32 = 3;
pub(crate) const SIGTSTP: u32 = 20;
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

/// One terminal's line discipline.
pub struct LineDiscipline {
    pub termios: Termios,
    pub winsize: WinSize,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Readable input. In canonical mode each element is one line (an empty
    /// element is an end-of-file mark); otherwise bytes in any grouping.
    ready: VecDeque<Vec<u8>>,
    /// Toward the screen: echo and processed program output.
    out: Vec<u8>,
}

impl LineDiscipline {
    pub fn new(winsize: WinSize) -> LineDiscipline {
        LineDiscipline {
            termios: Termios::default(),
            winsize,
            line: Vec::new(),
            ready: VecDeque::new(),
            out: Vec::new(),
        }
    }

    /// Output produced since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Takes as much output as fits in `buf`.
    pub fn take_output_into(&mut self, buf: &mut [u8]) -> usize {
        let n = self.out.len().min(buf.len());
        for (dst, src) in buf.iter_mut().zip(self.out.drain(..n)) {
            *dst = src;
        }
        n
    }

    /// Bytes of output not taken yet.
    pub fn pending_output(&self) -> usize {
        self.out.len()
    }

    /// A program writes: output processing (`OPOST`, `ONLCR`).
    pub fn write(&mut self, bytes: &[u8]) {
        let t = self.termios;
        if t.oflag & OPOST != 0 && t.oflag & ONLCR != 0 {
            for &b in bytes {
                if b == b'\n' {
                    self.out.push(b'\r');
                }
                self.out.push(b);
            }
        } else {
            self.out.extend_from_slice(bytes);
        }
    }

    /// Keyboard input. Returns the signals for the foreground group.
    pub fn input(&mut self, bytes: &[u8]) -> Vec<u32> {
        bytes.iter().filter_map(|&b| self.input_byte(b)).collect()
    }

    /// The terminal hung up: readers see end of file.
    pub fn hang_up(&mut self) {
        self.ready.push_back(Vec::new());
    }

    /// Sets the window size; true if it changed (SIGWINCH is due).
    pub fn set_winsize(&mut self, new: WinSize) -> bool {
        let changed = new != self.winsize;
        self.winsize = new;
        changed
    }

    fn echo(&mut self, bytes: &[u8]) {
        if self.termios.l(ECHO) {
            self.write(bytes);
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
                self.write(b"\n");
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
    pub fn readable(&self) -> bool {
        !self.ready.is_empty()
    }

    /// A program reads. `deadline` is the task's restart deadline for
    /// `VTIME` (kept across re-executions).
    pub fn read(
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
                return Err(would_block(nonblock));
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
            return Ok(take_bytes(&mut self.ready, buf));
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
}

/// Job control for a program reading (`sig` SIGTTIN) or writing with
/// `TOSTOP` (SIGTTOU) its controlling terminal, whose foreground group is
/// `foreground` and session `session`: a background process group gets the
/// signal and the call waits to be restarted, as Linux's `-ERESTARTSYS`. A
/// reader that ignores or blocks SIGTTIN gets `EIO`; such a writer writes.
pub(crate) fn background_access(
    io: &mut Io,
    foreground: crate::Pid,
    session: crate::Pid,
    sig: u32,
) -> Result<(), SysError> {
    if session == 0 || io.sid != session || foreground == 0 || io.pgid == foreground {
        return Ok(());
    }
    let refused = io.signals.mask & crate::signal::bit(sig) != 0
        || io.signals.action(sig).handler == crate::abi::signal::SIG_IGN;
    match (refused, sig) {
        (true, crate::abi::signal::SIGTTIN) => Err(Errno::EIO.into()),
        (true, _) => Ok(()),
        (false, _) => {
            io.console.signals.push((io.pgid, sig));
            Err(SysError::Block { until: None })
        }
    }
}

/// Takes bytes across chunks of `queue` until `buf` is full or input runs out.
pub(super) fn take_bytes(queue: &mut VecDeque<Vec<u8>>, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        let Some(front) = queue.front_mut() else {
            break;
        };
        let k = front.len().min(buf.len() - n);
        buf[n..n + k].copy_from_slice(&front[..k]);
        front.drain(..k);
        n += k;
        if front.is_empty() {
            queue.pop_front();
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tty() -> LineDiscipline {
        LineDiscipline::new(WinSize {
            rows: 24,
            cols: 80,
            xpixel: 0,
            ypixel: 0,
        })
    }

    fn read(t: &mut LineDiscipline) -> Result<Vec<u8>, SysError> {
        let mut buf = [0u8; 64];
        let n = t.read(&mut buf, false, 0, &mut None)?;
        Ok(buf[..n].to_vec())
    }

    #[test]
    fn canonical_line_editing_and_echo() {
        let mut t = tty();
        assert_eq!(read(&mut t), Err(SysError::Block { until: None }));
        t.input(b"helo\x7fp\x08lo wor\x17world\r");
        assert_eq!(
            t.take_output(),
            b"helo\x08 \x08p\x08 \x08lo wor\x08 \x08\x08 \x08\x08 \x08world\r\n"
        );
        assert_eq!(read(&mut t).unwrap(), b"hello world\n");
        t.input(b"junk\x15ok\n");
        assert_eq!(read(&mut t).unwrap(), b"ok\n");
    }

    #[test]
    fn one_line_per_read_and_eof() {
        let mut t = tty();
        t.input(b"a\nb\n\x04x\x04");
        assert_eq!(read(&mut t).unwrap(), b"a\n");
        assert_eq!(read(&mut t).unwrap(), b"b\n");
        assert_eq!(read(&mut t).unwrap(), b"");
        assert_eq!(read(&mut t).unwrap(), b"x");
        let mut small = [0u8; 1];
        t.input(b"yz\n");
        assert_eq!(t.read(&mut small, false, 0, &mut None), Ok(1));
        assert_eq!(read(&mut t).unwrap(), b"z\n");
    }

    #[test]
    fn interrupt_flushes_pending_input() {
        let mut t = tty();
        t.input(b"partial");
        assert_eq!(t.input(b"\x03"), vec![SIGINT]);
        t.input(b"\n");
        assert_eq!(read(&mut t).unwrap(), b"\n");
    }

    #[test]
    fn raw_mode_vmin_vtime() {
        let mut t = tty();
        let mut s = t.termios;
        s.lflag &= !(ICANON | ECHO);
        s.cc[VMIN] = 0;
        s.cc[VTIME] = 5;
        t.set_termios(s);
        let mut buf = [0u8; 8];
        let mut dl = None;
        assert_eq!(
            t.read(&mut buf, false, 1000, &mut dl),
            Err(SysError::Block {
                until: Some(500_001_000)
            })
        );
        assert_eq!(t.read(&mut buf, false, 500_001_000, &mut dl), Ok(0));
        assert_eq!(dl, None);
        t.input(b"\x1b[A");
        assert_eq!(t.read(&mut buf, false, 0, &mut dl), Ok(3));
        assert_eq!(t.take_output(), b"");
    }
}

//! Pseudo-terminals: `/dev/ptmx` makes a pair, the master ([`Master`])
//! held by a terminal emulator or `script`, and the slave `/dev/pts/N`
//! ([`Slave`]) that programs use as their terminal. Between them is the
//! same line discipline as the console's (`ldisc.rs`): what the master
//! writes is keyboard input, what the slave's programs write (and the echo)
//! is what the master reads.
//!
//! Numbering starts at 1: `/dev/pts/0` is the console. A new pair is locked
//! until `TIOCSPTLCK` clears it (`unlockpt`). When the master closes, slave
//! reads (once typed input is gone) and writes fail with `EIO`, and the
//! session gets SIGHUP at its first such access; when the last slave closes after one was opened,
//! master reads fail with `EIO`, as on Linux.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use super::console::TtySignal;
use super::ldisc::{background_access, LineDiscipline, WinSize};
use super::special::{would_block, PollCtx, SpecialFile, ANON_DEV};
use super::{Io, Stat};
use crate::abi::errno::Errno;
use crate::abi::poll::*;
use crate::abi::signal::{SIGHUP, SIGTTIN, SIGTTOU};
use crate::abi::stat::S_IFCHR;
use crate::abi::termios::TOSTOP;
use crate::sys::SysError;
use crate::task::Pid;

/// Device majors of the pty master multiplexer and the slaves.
pub(crate) const PTMX_RDEV: (u32, u32) = (5, 2);
pub(crate) const PTS_MAJOR: u32 = 136;

pub(crate) type PtyRef = Rc<RefCell<Pty>>;

pub(crate) struct Pty {
    pub index: u32,
    pub ldisc: LineDiscipline,
    pub foreground: Pid,
    pub session: Pid,
    /// Slaves cannot be opened until `unlockpt`.
    pub locked: bool,
    master_open: bool,
    slaves: u32,
    slave_opened: bool,
    /// SIGHUP went out for the master's close.
    hangup_sent: bool,
}

impl Pty {
    /// After the master closed, the first slave access hangs the session
    /// up: SIGHUP for the foreground group and the session leader's. (Linux
    /// sends it at the close itself; a close cannot reach the kernel here.)
    fn hang_up_session(&mut self, io: &mut Io) {
        if self.master_open || self.hangup_sent || self.session == 0 {
            return;
        }
        self.hangup_sent = true;
        io.console.signals.push((self.session, SIGHUP));
        if self.foreground != 0 && self.foreground != self.session {
            io.console.signals.push((self.foreground, SIGHUP));
        }
    }

    /// Signals the line discipline raised, for the foreground group.
    fn to_foreground(&self, signals: Vec<u32>) -> Vec<TtySignal> {
        if self.foreground == 0 {
            return Vec::new();
        }
        signals.into_iter().map(|s| (self.foreground, s)).collect()
    }
}

/// The live pairs by number.
#[derive(Default)]
pub(crate) struct Ptys {
    pairs: BTreeMap<u32, Weak<RefCell<Pty>>>,
}

impl Ptys {
    /// A new locked pair with the lowest free number from 1.
    pub fn open_master(&mut self) -> Master {
        self.pairs.retain(|_, p| p.strong_count() > 0);
        let index = (1..).find(|i| !self.pairs.contains_key(i)).unwrap_or(1);
        let pty = Rc::new(RefCell::new(Pty {
            index,
            ldisc: LineDiscipline::new(WinSize {
                rows: 0,
                cols: 0,
                xpixel: 0,
                ypixel: 0,
            }),
            foreground: 0,
            session: 0,
            locked: true,
            master_open: true,
            slaves: 0,
            slave_opened: false,
            hangup_sent: false,
        }));
        self.pairs.insert(index, Rc::downgrade(&pty));
        Master { pty }
    }

    /// Whether a pty is the controlling terminal of session `sid`.
    pub fn controls(&self, sid: Pid) -> bool {
        self.pairs
            .values()
            .filter_map(Weak::upgrade)
            .any(|p| p.try_borrow().is_ok_and(|p| p.session == sid))
    }

    /// Opens slave `index` (`EIO` while locked or after the master closed).
    pub fn open_slave(&self, index: u32) -> Result<Slave, Errno> {
        let pty = self
            .pairs
            .get(&index)
            .and_then(Weak::upgrade)
            .ok_or(Errno::ENXIO)?;
        Slave::open(&pty)
    }
}

pub(crate) struct Master {
    pub pty: PtyRef,
}

pub(crate) struct Slave {
    pub pty: PtyRef,
}

impl Slave {
    pub fn open(pty: &PtyRef) -> Result<Slave, Errno> {
        let mut p = pty.borrow_mut();
        if p.locked || !p.master_open {
            return Err(Errno::EIO);
        }
        p.slaves += 1;
        p.slave_opened = true;
        Ok(Slave { pty: pty.clone() })
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        if let Ok(mut p) = self.pty.try_borrow_mut() {
            p.master_open = false;
            p.ldisc.hang_up();
        }
    }
}

impl Drop for Slave {
    fn drop(&mut self) {
        if let Ok(mut p) = self.pty.try_borrow_mut() {
            p.slaves -= 1;
        }
    }
}

fn char_stat(rdev: (u32, u32), ino: u64) -> Stat {
    Stat {
        dev: ANON_DEV,
        ino,
        mode: S_IFCHR | 0o620,
        nlink: 1,
        rdev,
        blksize: 4096,
        ..Stat::default()
    }
}

impl SpecialFile for Master {
    /// What the slave side wrote and echoed.
    fn read(&mut self, _io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pty.borrow_mut();
        if p.ldisc.pending_output() == 0 {
            if p.slave_opened && p.slaves == 0 {
                return Err(Errno::EIO.into());
            }
            return Err(would_block(nonblock));
        }
        let n = p.ldisc.take_output_into(buf);
        Ok(n)
    }

    /// Keyboard input for the slave.
    fn write(&mut self, io: &mut Io, data: &[u8], _nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pty.borrow_mut();
        let signals = p.ldisc.input(data);
        let signals = p.to_foreground(signals);
        io.console.signals.extend(signals);
        Ok(data.len())
    }

    fn poll(&self, _ctx: &PollCtx) -> u16 {
        let Ok(p) = self.pty.try_borrow() else {
            return 0;
        };
        let mut ev = POLLOUT | POLLWRNORM;
        if p.ldisc.pending_output() > 0 {
            ev |= POLLIN | POLLRDNORM;
        }
        if p.slave_opened && p.slaves == 0 {
            ev |= POLLHUP;
        }
        ev
    }

    fn stat(&self) -> Stat {
        char_stat(PTMX_RDEV, 2)
    }

    fn link(&self) -> String {
        "/dev/ptmx".into()
    }

    fn pty(&self) -> Option<(&PtyRef, bool)> {
        Some((&self.pty, true))
    }

    fn available(&self) -> Result<u64, Errno> {
        Ok(self.pty.borrow().ldisc.pending_output() as u64)
    }
}

impl SpecialFile for Slave {
    fn read(&mut self, io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pty.borrow_mut();
        if !p.master_open {
            // Hung up: what was typed, then `EIO` in any mode.
            p.hang_up_session(io);
            if p.ldisc.available() == 0 {
                return Err(Errno::EIO.into());
            }
        }
        background_access(io, p.foreground, p.session, SIGTTIN)?;
        p.ldisc.read(buf, nonblock, io.now, io.deadline)
    }

    fn write(&mut self, io: &mut Io, data: &[u8], _nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pty.borrow_mut();
        if !p.master_open {
            p.hang_up_session(io);
            return Err(Errno::EIO.into());
        }
        if p.ldisc.termios.lflag & TOSTOP != 0 {
            background_access(io, p.foreground, p.session, SIGTTOU)?;
        }
        p.ldisc.write(data);
        Ok(data.len())
    }

    fn poll(&self, _ctx: &PollCtx) -> u16 {
        let Ok(p) = self.pty.try_borrow() else {
            return 0;
        };
        let mut ev = 0;
        if p.ldisc.readable() {
            ev |= POLLIN | POLLRDNORM;
        }
        if p.master_open {
            ev |= POLLOUT | POLLWRNORM;
        } else {
            ev |= POLLHUP;
        }
        ev
    }

    fn stat(&self) -> Stat {
        let index = self.pty.borrow().index;
        char_stat((PTS_MAJOR, index), 3 + u64::from(index))
    }

    fn link(&self) -> String {
        format!("/dev/pts/{}", self.pty.borrow().index)
    }

    fn pty(&self) -> Option<(&PtyRef, bool)> {
        Some((&self.pty, false))
    }

    fn available(&self) -> Result<u64, Errno> {
        Ok(self.pty.borrow().ldisc.available() as u64)
    }
}

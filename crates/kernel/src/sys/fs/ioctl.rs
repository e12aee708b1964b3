//! `ioctl(2)`: descriptor flags and byte counts for any file, the terminal
//! requests of the console and pseudo-terminals (termios, window size,
//! process groups, controlling terminal), and the pty master's own.

use std::cell::RefCell;
use std::rc::Rc;

use super::{file, mem};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_ACCMODE, O_CLOEXEC, O_NONBLOCK};
use crate::abi::termios::*;
use crate::sys::{SysError, SysResult};
use crate::uaccess;
use crate::vfs::pty::{Pty, PtyRef, Slave};
use crate::vfs::special::Special;
use crate::vfs::{FileKind, LineDiscipline, OpenFile, Termios, WinSize};
use crate::{Kernel, Pid, Task};

/// `SIGWINCH`, for a window-size change.
const SIGWINCH: u32 = 28;

/// implements ioctl(2)
pub(super) fn ioctl(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let (fd, cmd, arg) = (a[0], a[1], a[2]);
    let f = file(task, fd)?;
    let space = || mem(task);
    match cmd {
        FIONBIO => {
            let on = uaccess::read_u32(&mut space().space, arg)? != 0;
            let mut f = f.borrow_mut();
            f.flags = if on {
                f.flags | O_NONBLOCK
            } else {
                f.flags & !O_NONBLOCK
            };
            return Ok(0);
        }
        FIOCLEX | FIONCLEX => {
            task.files.borrow_mut().set_cloexec(fd, cmd == FIOCLEX)?;
            return Ok(0);
        }
        FIONREAD => {
            let n = f.borrow().available(&k.vfs.console)?;
            uaccess::write_u32(
                &mut space().space,
                arg,
                n.min(u64::from(i32::MAX as u32)) as u32,
            )?;
            return Ok(0);
        }
        _ => {}
    }
    let pty = match &f.borrow().kind {
        FileKind::Tty => None,
        FileKind::Special(s) => match s.0.pty() {
            Some((p, master)) => Some((p.clone(), master)),
            None => return Err(Errno::ENOTTY.into()),
        },
        _ => return Err(Errno::ENOTTY.into()),
    };
    let signals = match pty {
        Some((p, true)) if PTY_MASTER_REQUESTS.contains(&cmd) => {
            return master_ioctl(task, &p, cmd, arg)
        }
        Some((p, _)) => {
            let mut p = p.borrow_mut();
            let Pty {
                ldisc,
                foreground,
                session,
                ..
            } = &mut *p;
            terminal_ioctl(
                task,
                Term {
                    ldisc,
                    foreground,
                    session,
                },
                cmd,
                arg,
            )
        }
        None => {
            let c = &mut k.vfs.console;
            terminal_ioctl(
                task,
                Term {
                    ldisc: &mut c.ldisc,
                    foreground: &mut c.foreground,
                    session: &mut c.session,
                },
                cmd,
                arg,
            )
        }
    };
    match signals {
        Err(SysError::Errno(Errno::ENOTTY)) => {
            k.log_once_in(
                "ioctl",
                cmd,
                &format!("ioctl: unsupported tty request {cmd:#x} (pid {})", task.pid),
            );
            Err(Errno::ENOTTY.into())
        }
        Err(e) => Err(e),
        Ok(signals) => {
            for (pgid, sig) in signals {
                k.signal_group(pgid, sig);
            }
            Ok(0)
        }
    }
}

/// What the terminal requests act on: the console's or a pty's state.
struct Term<'a> {
    ldisc: &'a mut LineDiscipline,
    foreground: &'a mut Pid,
    session: &'a mut Pid,
}

const PTY_MASTER_REQUESTS: [u32; 4] = [TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER];

/// Requests only a pty master answers: its number, its lock, its peer.
fn master_ioctl(task: &mut Task, pty: &PtyRef, cmd: u32, arg: u32) -> SysResult {
    let space = || mem(task);
    match cmd {
        TIOCGPTN => {
            let n = pty.borrow().index;
            uaccess::write_u32(&mut space().space, arg, n)?;
        }
        TIOCSPTLCK => {
            let on = uaccess::read_u32(&mut space().space, arg)? != 0;
            pty.borrow_mut().locked = on;
        }
        TIOCGPTLCK => {
            let on = pty.borrow().locked;
            uaccess::write_u32(&mut space().space, arg, u32::from(on))?;
        }
        _ => {
            // TIOCGPTPEER: open the slave with `arg` as open flags.
            let slave = Slave::open(pty)?;
            let status = arg & (O_ACCMODE | O_NONBLOCK);
            let kind = FileKind::Special(Special::new(Box::new(slave)));
            let file = Rc::new(RefCell::new(OpenFile::new(kind, status)));
            let fd = task.files.borrow_mut().insert(file, arg & O_CLOEXEC != 0)?;
            return Ok(fd);
        }
    }
    Ok(0)
}

/// The termios, window-size and job-control requests of any terminal.
/// Returns the signals to send (SIGWINCH).
fn terminal_ioctl(
    task: &mut Task,
    t: Term,
    cmd: u32,
    arg: u32,
) -> Result<Vec<(Pid, u32)>, SysError> {
    let space = || mem(task);
    match cmd {
        TCGETS => uaccess::write_bytes(&mut space().space, arg, &t.ldisc.termios.to_bytes())?,
        TCSETS | TCSETSW | TCSETSF => {
            let raw = uaccess::read_bytes(&mut space().space, arg, TERMIOS_SIZE)?;
            let mut b = [0u8; TERMIOS_SIZE];
            b.copy_from_slice(&raw);
            if cmd == TCSETSF {
                t.ldisc.flush_input();
            }
            t.ldisc.set_termios(Termios::from_bytes(&b));
        }
        TIOCGWINSZ => {
            let w = t.ldisc.winsize;
            let mut b = [0u8; 8];
            for (i, v) in [w.rows, w.cols, w.xpixel, w.ypixel].into_iter().enumerate() {
                b[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
            }
            uaccess::write_bytes(&mut space().space, arg, &b)?;
        }
        TIOCSWINSZ => {
            let b = uaccess::read_bytes(&mut space().space, arg, 8)?;
            let h = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
            let changed = t.ldisc.set_winsize(WinSize {
                rows: h(0),
                cols: h(2),
                xpixel: h(4),
                ypixel: h(6),
            });
            if changed && *t.foreground != 0 {
                return Ok(vec![(*t.foreground, SIGWINCH)]);
            }
        }
        TIOCGPGRP => uaccess::write_u32(&mut space().space, arg, *t.foreground)?,
        TIOCSPGRP => {
            let pgid = uaccess::read_u32(&mut space().space, arg)?;
            if pgid as i32 <= 0 {
                return Err(Errno::EINVAL.into());
            }
            *t.foreground = pgid;
        }
        TIOCGSID if *t.session == 0 => return Err(Errno::ENOTTY.into()),
        TIOCGSID => uaccess::write_u32(&mut space().space, arg, *t.session)?,
        TIOCSCTTY => {
            *t.session = task.sid;
            *t.foreground = task.pgid;
        }
        TIOCNOTTY => {
            if *t.session == task.sid {
                *t.session = 0;
            }
        }
        TCFLSH => match arg {
            TCIFLUSH | TCIOFLUSH => t.ldisc.flush_input(),
            TCOFLUSH => {}
            _ => return Err(Errno::EINVAL.into()),
        },
        TIOCOUTQ => uaccess::write_u32(&mut space().space, arg, 0)?,
        TCSBRK | TCXONC => {}
        _ => return Err(Errno::ENOTTY.into()),
    }
    Ok(Vec::new())
}

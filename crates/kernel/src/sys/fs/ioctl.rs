//! `ioctl(2)`: descriptor flags and byte counts for any file, and the tty
//! requests of the console (termios, window size, process groups).

use super::{file, mem};
use crate::abi::errno::Errno;
use crate::abi::fcntl::O_NONBLOCK;
use crate::abi::termios::*;
use crate::sys::SysResult;
use crate::uaccess;
use crate::vfs::{Termios, WinSize};
use crate::{Kernel, Task};

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
    if !f.borrow().is_tty() {
        return Err(Errno::ENOTTY.into());
    }
    let console = &mut k.vfs.console;
    match cmd {
        TCGETS => uaccess::write_bytes(&mut space().space, arg, &console.termios.to_bytes())?,
        TCSETS | TCSETSW | TCSETSF => {
            let raw = uaccess::read_bytes(&mut space().space, arg, TERMIOS_SIZE)?;
            let mut b = [0u8; TERMIOS_SIZE];
            b.copy_from_slice(&raw);
            if cmd == TCSETSF {
                console.flush_input();
            }
            console.set_termios(Termios::from_bytes(&b));
        }
        TIOCGWINSZ => {
            let w = console.winsize;
            let mut b = [0u8; 8];
            for (i, v) in [w.rows, w.cols, w.xpixel, w.ypixel].into_iter().enumerate() {
                b[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
            }
            uaccess::write_bytes(&mut space().space, arg, &b)?;
        }
        TIOCSWINSZ => {
            let b = uaccess::read_bytes(&mut space().space, arg, 8)?;
            let h = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
            let signals = console.set_size(WinSize {
                rows: h(0),
                cols: h(2),
                xpixel: h(4),
                ypixel: h(6),
            });
            for (pgid, sig) in signals {
                k.signal_group(pgid, sig);
            }
        }
        TIOCGPGRP => uaccess::write_u32(&mut space().space, arg, console.foreground)?,
        TIOCSPGRP => {
            let pgid = uaccess::read_u32(&mut space().space, arg)?;
            if pgid as i32 <= 0 {
                return Err(Errno::EINVAL.into());
            }
            console.foreground = pgid;
        }
        TIOCGSID if console.session == 0 => return Err(Errno::ENOTTY.into()),
        TIOCGSID => uaccess::write_u32(&mut space().space, arg, console.session)?,
        TIOCSCTTY => {
            console.session = task.sid;
            console.foreground = task.pgid;
        }
        TIOCNOTTY => {
            if console.session == task.sid {
                console.session = 0;
            }
        }
        TCFLSH => match arg {
            TCIFLUSH | TCIOFLUSH => console.flush_input(),
            TCOFLUSH => {}
            _ => return Err(Errno::EINVAL.into()),
        },
        TIOCOUTQ => uaccess::write_u32(&mut space().space, arg, 0)?,
        TCSBRK | TCXONC => {}
        _ => {
            k.log_once_in(
                "ioctl",
                cmd,
                &format!("ioctl: unsupported tty request {cmd:#x} (pid {})", task.pid),
            );
            return Err(Errno::ENOTTY.into());
        }
    }
    Ok(0)
}

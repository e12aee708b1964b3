//! Socket options: `getsockopt` and `setsockopt`. Options with an effect
//! are answered from the socket; the rest are kept and read back
//! (`net/options.rs`).

use super::{sock, Args};
use crate::abi::errno::Errno;
use crate::net::inet::AF_INET;
use crate::net::options::{IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, SOL_SOCKET};
use crate::net::sock::{Cred, Family, Sock, SockType};
use crate::net::unix::AF_UNIX;
use crate::sys::SysResult;
use crate::uaccess;
use crate::{Kernel, Task};

const SO_TYPE: u32 = 3;
const SO_ERROR: u32 = 4;
const SO_SNDBUF: u32 = 7;
const SO_RCVBUF: u32 = 8;
const SO_PASSCRED: u32 = 16;
const SO_PEERCRED: u32 = 17;
const SO_ACCEPTCONN: u32 = 30;
const SO_PROTOCOL: u32 = 38;
const SO_DOMAIN: u32 = 39;
/// The smallest buffers Linux (x86-64) allows.
const MIN_SNDBUF: u32 = 4608;
const MIN_RCVBUF: u32 = 2304;
/// `net.core.{w,r}mem_max`.
const MAX_BUF: u32 = 212_992;
/// The longest option value a call passes in (a 64-bit `timeval`).
const OPTION_MAX: u32 = 16;

/// Whether options of `level` exist for socket `s`, else the error Linux
/// gives: a UNIX socket has only socket-level options (`EOPNOTSUPP`); an
/// internet socket has IP's and its protocol's too, and IP answers the rest
/// (`ENOPROTOOPT` to set, `EOPNOTSUPP` to get).
fn level_exists(s: &Sock, level: u32, setting: bool) -> Result<(), Errno> {
    let exists = match (s.family, level) {
        (_, SOL_SOCKET) => true,
        (Family::Unix, _) => return Err(Errno::EOPNOTSUPP),
        (Family::Inet, IPPROTO_IP) => true,
        (Family::Inet, IPPROTO_TCP) => s.ty == SockType::Stream,
        (Family::Inet, IPPROTO_UDP) => s.ty == SockType::Dgram,
        (Family::Inet, _) => false,
    };
    match (exists, setting) {
        (true, _) => Ok(()),
        (false, true) => Err(Errno::ENOPROTOOPT),
        (false, false) => Err(Errno::EOPNOTSUPP),
    }
}

/// `ENOPROTOOPT`, with one log line naming the option.
fn unsupported(k: &mut Kernel, task: &Task, call: &'static str, level: u32, opt: u32) -> Errno {
    k.log_once_in(
        call,
        level << 16 | opt,
        &format!(
            "{call}: unsupported option {opt} at level {level} (pid {})",
            task.pid
        ),
    );
    Errno::ENOPROTOOPT
}

/// The value of an option with an effect, or a stored one's.
fn option_value(s: &mut Sock, level: u32, opt: u32) -> Option<Vec<u8>> {
    let int = |v: u32| Some(v.to_le_bytes().to_vec());
    if level != SOL_SOCKET {
        return s.options.get(level, opt);
    }
    match opt {
        SO_TYPE => int(s.ty as u32),
        SO_ERROR => int(s.take_error().map_or(0, |e| u32::from(e.0))),
        SO_SNDBUF => int(s.sndbuf),
        SO_RCVBUF => int(s.rcvbuf),
        SO_PASSCRED => int(u32::from(s.passcred)),
        SO_ACCEPTCONN => int(u32::from(s.is_listening())),
        SO_DOMAIN => int(u32::from(match s.family {
            Family::Unix => AF_UNIX,
            Family::Inet => AF_INET,
        })),
        SO_PROTOCOL => int(match (s.family, s.ty) {
            (Family::Unix, _) => 0,
            (Family::Inet, SockType::Dgram) => IPPROTO_UDP,
            (Family::Inet, _) => IPPROTO_TCP,
        }),
        SO_PEERCRED => {
            let c = if s.is_connected() {
                s.peer_cred
            } else {
                Cred::NONE
            };
            Some(
                [c.pid, c.uid, c.gid]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            )
        }
        o => s.options.get(SOL_SOCKET, o),
    }
}

/// implements getsockopt(2)
pub(super) fn getsockopt(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let (level, opt, at, len_at) = (a[1], a[2], a[3], a[4]);
    let room = task.mem(|m| uaccess::read_u32(m, len_at))? as i32;
    if room < 0 {
        return Err(Errno::EINVAL.into());
    }
    level_exists(&s.borrow(), level, false)?;
    let value = option_value(&mut s.borrow_mut(), level, opt);
    let Some(value) = value else {
        return Err(unsupported(k, task, "getsockopt", level, opt).into());
    };
    let n = value.len().min(room as usize);
    task.mem(|m| {
        uaccess::write_bytes(m, at, &value[..n])?;
        uaccess::write_u32(m, len_at, n as u32)
    })?;
    Ok(0)
}

/// implements setsockopt(2)
pub(super) fn setsockopt(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let (level, opt, at, len) = (a[1], a[2], a[3], a[4]);
    level_exists(&s.borrow(), level, true)?;
    if (len as i32) < 0 {
        return Err(Errno::EINVAL.into());
    }
    let value = task.mem(|m| uaccess::read_bytes(m, at, len.min(OPTION_MAX) as usize))?;
    let int = || -> Result<u32, Errno> {
        let b = value.get(..4).ok_or(Errno::EINVAL)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut s = s.borrow_mut();
    match (level, opt) {
        (SOL_SOCKET, SO_SNDBUF) => s.sndbuf = (int()?.min(MAX_BUF) * 2).max(MIN_SNDBUF),
        (SOL_SOCKET, SO_RCVBUF) => s.rcvbuf = (int()?.min(MAX_BUF) * 2).max(MIN_RCVBUF),
        (SOL_SOCKET, SO_PASSCRED) => s.passcred = int()? != 0,
        _ => match s.options.set(level, opt, &value) {
            Some(stored) => stored?,
            None => {
                drop(s);
                return Err(unsupported(k, task, "setsockopt", level, opt).into());
            }
        },
    }
    Ok(0)
}

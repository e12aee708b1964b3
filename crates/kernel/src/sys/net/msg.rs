//! Message calls: `sendmsg`, `recvmsg` and their `mmsg` batches, with the
//! control messages UNIX sockets carry (`SCM_RIGHTS`, `SCM_CREDENTIALS`).

use super::{file, read_sockaddr, receive, received_len, send, sock, Args, MSG_DONTWAIT};
use crate::abi::errno::Errno;
use crate::net::options::SOL_SOCKET;
use crate::net::sock::{Cred, Family, Received};
use crate::sys::fs::read_iovecs;
use crate::sys::{Handler, SysResult};
use crate::uaccess;
use crate::vfs::FileRef;
use crate::{Kernel, Task};

const MSG_CTRUNC: u32 = 0x8;
const MSG_TRUNC: u32 = 0x20;
const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;
const SCM_RIGHTS: u32 = 1;
const SCM_CREDENTIALS: u32 = 2;
/// Most descriptors one `SCM_RIGHTS` message carries (`SCM_MAX_FD`).
const SCM_MAX_FD: usize = 253;
/// `sizeof(struct cmsghdr)` on i386.
const CMSG_HDR: usize = 12;

/// `struct msghdr` on i386.
struct MsgHdr {
    name: u32,
    namelen: u32,
    iov: u32,
    iovlen: u32,
    control: u32,
    controllen: u32,
}

const MSGHDR_SIZE: usize = 28;

fn read_msghdr(task: &Task, at: u32) -> Result<MsgHdr, Errno> {
    let b = task.mem(|m| uaccess::read_bytes(m, at, MSGHDR_SIZE))?;
    let w = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
    Ok(MsgHdr {
        name: w(0),
        namelen: w(1),
        iov: w(2),
        iovlen: w(3),
        control: w(4),
        controllen: w(5),
    })
}

/// Descriptors and credentials from a `sendmsg` control buffer; only
/// UNIX sockets carry them (`unix`), internet sockets none of ours.
fn read_control(
    task: &Task,
    h: &MsgHdr,
    unix: bool,
) -> Result<(Vec<FileRef>, Option<Cred>), Errno> {
    let mut fds = Vec::new();
    let mut creds = None;
    if h.control == 0 || (h.controllen as usize) < CMSG_HDR {
        return Ok((fds, creds));
    }
    let b = task.mem(|m| uaccess::read_bytes(m, h.control, h.controllen as usize))?;
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut off = 0;
    while off + CMSG_HDR <= b.len() {
        let (len, level, ty) = (w(off) as usize, w(off + 4), w(off + 8));
        if len < CMSG_HDR || off + len > b.len() {
            return Err(Errno::EINVAL);
        }
        let data = off + CMSG_HDR..off + len;
        match (level, ty) {
            (SOL_SOCKET, SCM_RIGHTS) if unix => {
                let n = data.len() / 4;
                if fds.len() + n > SCM_MAX_FD {
                    return Err(Errno::EINVAL);
                }
                for i in 0..n {
                    fds.push(file(task, w(data.start + i * 4))?);
                }
            }
            (SOL_SOCKET, SCM_CREDENTIALS) if unix && data.len() >= 12 => {
                creds = Some(Cred {
                    pid: w(data.start),
                    uid: w(data.start + 4),
                    gid: w(data.start + 8),
                });
            }
            _ => return Err(Errno::EINVAL),
        }
        off += len.next_multiple_of(4);
    }
    Ok((fds, creds))
}

/// Reads the bytes an iovec array points at, up to its first bad vector.
fn gather_iov(task: &Task, iov: u32, count: u32) -> Result<Vec<u8>, Errno> {
    let mut data = Vec::new();
    for (base, len) in read_iovecs(task, iov, count)? {
        let part = task.mem(|m| uaccess::read_prefix(m, base, len as usize));
        let short = part.len() < len as usize;
        data.extend_from_slice(&part);
        if short {
            if data.is_empty() {
                return Err(Errno::EFAULT);
            }
            break;
        }
    }
    Ok(data)
}

/// implements sendmsg(2)
pub(super) fn sendmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let h = read_msghdr(task, a[1])?;
    let data = gather_iov(task, h.iov, h.iovlen)?;
    let to = if h.name != 0 && h.namelen != 0 {
        Some(read_sockaddr(task, h.name, h.namelen)?)
    } else {
        None
    };
    let unix = sock(task, a[0])?.0.borrow().family == Family::Unix;
    let (fds, creds) = read_control(task, &h, unix)?;
    send(k, task, a[0], data, to, a[2], fds, creds)
}

/// Builds the control messages of a receive into at most `room` bytes:
/// credentials (when the socket asked for them), then descriptors, which
/// are installed in the receiver's table. Returns the bytes and `msg_flags`.
fn build_control(
    task: &Task,
    got: &mut Received,
    passcred: bool,
    room: usize,
    cloexec: bool,
) -> Result<(Vec<u8>, u32), Errno> {
    let mut out = Vec::new();
    let mut flags = 0;
    let put = |out: &mut Vec<u8>, ty: u32, data: &[u8]| {
        let len = CMSG_HDR + data.len();
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(&SOL_SOCKET.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    };
    if let (true, Some(c)) = (passcred, got.cred) {
        if room >= CMSG_HDR + 12 {
            let mut d = Vec::new();
            for v in [c.pid, c.uid, c.gid] {
                d.extend_from_slice(&v.to_le_bytes());
            }
            put(&mut out, SCM_CREDENTIALS, &d);
        } else {
            flags |= MSG_CTRUNC;
        }
    }
    if !got.fds.is_empty() {
        let space = room.saturating_sub(out.len());
        let fit = space.saturating_sub(CMSG_HDR) / 4;
        let n = got.fds.len().min(fit);
        if n < got.fds.len() {
            flags |= MSG_CTRUNC;
        }
        let mut d = Vec::new();
        for f in got.fds.drain(..n) {
            let fd = task.files.borrow_mut().insert(f, cloexec)?;
            d.extend_from_slice(&fd.to_le_bytes());
        }
        if n > 0 {
            put(&mut out, SCM_RIGHTS, &d);
        }
    }
    out.truncate(room);
    Ok((out, flags))
}

/// implements recvmsg(2)
pub(super) fn recvmsg(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let h = read_msghdr(task, a[1])?;
    let iov = read_iovecs(task, h.iov, h.iovlen)?;
    let total: usize = iov.iter().map(|&(_, l)| l as usize).sum();
    let flags = a[2];
    let (s, _) = sock(task, a[0])?;
    let passcred = s.borrow().passcred;
    let mut got = receive(task, a[0], total, flags)?;
    let mut done = 0;
    for (base, len) in iov {
        let n = (len as usize).min(got.data.len() - done);
        task.mem(|m| uaccess::write_bytes(m, base, &got.data[done..done + n]))?;
        done += n;
    }
    let mut msg_flags = if got.len > got.data.len() {
        MSG_TRUNC
    } else {
        0
    };
    let room = if h.control == 0 {
        0
    } else {
        h.controllen as usize
    };
    let (control, cflags) = build_control(
        task,
        &mut got,
        passcred,
        room,
        flags & MSG_CMSG_CLOEXEC != 0,
    )?;
    msg_flags |= cflags;
    let namelen = match (&got.from, h.name) {
        (Some(from), name) if name != 0 => {
            let n = from.len().min(h.namelen as usize);
            task.mem(|m| uaccess::write_bytes(m, name, &from[..n]))?;
            from.len() as u32
        }
        _ => 0,
    };
    task.mem(|m| {
        uaccess::write_bytes(m, h.control, &control)?;
        uaccess::write_u32(m, a[1] + 4, namelen)?;
        uaccess::write_u32(m, a[1] + 20, control.len() as u32)?;
        uaccess::write_u32(m, a[1] + 24, msg_flags)
    })?;
    Ok(received_len(&got, flags))
}

/// `sizeof(struct mmsghdr)` on i386: a `msghdr` and the length moved.
const MMSGHDR_SIZE: u32 = 32;
/// Most messages one call moves (`UIO_MAXIOV`).
const MAX_MMSG: u32 = 1024;
const MSG_WAITFORONE: u32 = 0x10000;

/// Runs `one` (`sendmsg` or `recvmsg`) over an `mmsghdr` array, storing
/// each length; stops at the first failure, which only the first message
/// reports (a later one ends the call with the count so far).
fn each_message(
    k: &mut Kernel,
    task: &mut Task,
    a: Args,
    one: Handler,
    then_flags: impl Fn(u32) -> u32,
) -> SysResult {
    let (fd, vec, count) = (a[0], a[1], a[2].min(MAX_MMSG));
    let mut flags = a[3];
    let mut done = 0;
    while done < count {
        let at = vec.wrapping_add(done * MMSGHDR_SIZE);
        match one(k, task, [fd, at, flags, 0, 0, 0]) {
            Ok(n) => task.mem(|m| uaccess::write_u32(m, at + 28, n))?,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
        done += 1;
        flags = then_flags(flags);
    }
    Ok(done)
}

/// implements sendmmsg(2)
pub(super) fn sendmmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    each_message(k, task, a, sendmsg, |f| f)
}

/// implements recvmmsg(2) and recvmmsg_time64(2); the timeout, checked by
/// Linux only between messages, is not applied
pub(super) fn recvmmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    each_message(k, task, a, recvmsg, |f| {
        if f & MSG_WAITFORONE != 0 {
            f | MSG_DONTWAIT
        } else {
            f
        }
    })
}

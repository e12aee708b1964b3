//! Socket system calls: the i386 multiplexer `socketcall` and the direct
//! calls. Only `AF_UNIX` exists (`net/unix.rs`); other families fail with
//! `EAFNOSUPPORT`, quietly, since programs probe them.
//!
//! The handlers decode `sockaddr_un`, `msghdr` and control messages
//! (`SCM_RIGHTS`, `SCM_CREDENTIALS`) and move descriptors between tables.

use std::cell::RefCell;
use std::rc::Rc;

use super::fs::read_iovecs;
use super::{DomainTable, Handler, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use crate::abi::signal::SIGPIPE;
use crate::net::unix::{self, Cred, Message, Received, SockRef, SockType, SocketFile};
use crate::net::Key;
use crate::uaccess;
use crate::vfs::special::{special, Special};
use crate::vfs::{Creator, FileKind, FileRef, FileType, OpenFile};
use crate::{Kernel, Task};

type Args = [u32; 6];

pub(crate) fn table() -> DomainTable {
    &[
        (102, "socketcall", socketcall),
        (359, "socket", socket),
        (360, "socketpair", socketpair),
        (361, "bind", bind),
        (362, "connect", connect),
        (363, "listen", listen),
        (364, "accept4", accept4),
        (365, "getsockopt", getsockopt),
        (366, "setsockopt", setsockopt),
        (367, "getsockname", getsockname),
        (368, "getpeername", getpeername),
        (369, "sendto", sendto),
        (370, "sendmsg", sendmsg),
        (371, "recvfrom", recvfrom),
        (372, "recvmsg", recvmsg),
        (373, "shutdown", shutdown),
        (337, "recvmmsg", recvmmsg),
        (345, "sendmmsg", sendmmsg),
        (417, "recvmmsg_time64", recvmmsg),
    ]
}

const AF_UNIX: u32 = 1;
const SOCK_TYPE_MASK: u32 = 0xf;
/// `SOCK_RAW`: a UNIX socket of this type is a datagram socket.
const SOCK_RAW: u32 = 3;
/// The highest socket type number (`SOCK_PACKET`).
const SOCK_MAX: u32 = 10;
/// `sizeof(struct sockaddr_un)`.
const SOCKADDR_UN_SIZE: u32 = 110;

const MSG_OOB: u32 = 1;
const MSG_PEEK: u32 = 2;
const MSG_TRUNC: u32 = 0x20;
const MSG_CTRUNC: u32 = 0x8;
const MSG_DONTWAIT: u32 = 0x40;
const MSG_NOSIGNAL: u32 = 0x4000;
const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

const SOL_SOCKET: u32 = 1;
const SCM_RIGHTS: u32 = 1;
const SCM_CREDENTIALS: u32 = 2;
/// Most descriptors one `SCM_RIGHTS` message carries (`SCM_MAX_FD`).
const SCM_MAX_FD: usize = 253;
/// `sizeof(struct cmsghdr)` on i386.
const CMSG_HDR: usize = 12;

/// implements socketcall(2): `a[0]` names the call, `a[1]` points at its
/// arguments
fn socketcall(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    // (handler, argument count, extra fixed arguments) per call number.
    let (handler, count, fixed): (Handler, usize, &[u32]) = match a[0] {
        1 => (socket, 3, &[]),
        2 => (bind, 3, &[]),
        3 => (connect, 3, &[]),
        4 => (listen, 2, &[]),
        5 => (accept4, 3, &[0]),
        6 => (getsockname, 3, &[]),
        7 => (getpeername, 3, &[]),
        8 => (socketpair, 4, &[]),
        9 => (sendto, 4, &[0, 0]),
        10 => (recvfrom, 4, &[0, 0]),
        11 => (sendto, 6, &[]),
        12 => (recvfrom, 6, &[]),
        13 => (shutdown, 2, &[]),
        14 => (setsockopt, 5, &[]),
        15 => (getsockopt, 5, &[]),
        16 => (sendmsg, 3, &[]),
        17 => (recvmsg, 3, &[]),
        18 => (accept4, 4, &[]),
        19 => (recvmmsg, 5, &[]),
        20 => (sendmmsg, 4, &[]),
        n => {
            k.log_once_in(
                "socketcall",
                n,
                &format!("socketcall: unimplemented call {n} (pid {})", task.pid),
            );
            return Err(Errno::ENOSYS.into());
        }
    };
    let raw = task.mem(|m| uaccess::read_bytes(m, a[1], count * 4))?;
    let mut args = [0u32; 6];
    for (i, w) in raw.chunks_exact(4).enumerate() {
        args[i] = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    args[count..count + fixed.len()].copy_from_slice(fixed);
    handler(k, task, args)
}

fn file(task: &Task, fd: u32) -> Result<FileRef, Errno> {
    task.files.borrow().get(fd)
}

/// The socket open as `fd` (`ENOTSOCK` for another kind of file) and
/// whether that description is non-blocking.
fn sock(task: &Task, fd: u32) -> Result<(SockRef, bool), Errno> {
    let f = file(task, fd)?;
    let f = f.borrow();
    let s = special::<SocketFile>(&f).map_err(|_| Errno::ENOTSOCK)?;
    Ok((s.sock.clone(), f.flags & O_NONBLOCK != 0))
}

fn cred(task: &Task) -> Cred {
    Cred {
        pid: task.pid,
        uid: task.creds.user.effective,
        gid: task.creds.group.effective,
    }
}

/// The type and status flags of `socket`/`socketpair`'s second argument,
/// checked in Linux's order.
fn sock_type(domain: u32, ty: u32, protocol: u32) -> Result<(SockType, u32), Errno> {
    if ty & !(SOCK_TYPE_MASK | O_NONBLOCK | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if domain != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    if ty & SOCK_TYPE_MASK > SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let kind = match ty & SOCK_TYPE_MASK {
        1 => SockType::Stream,
        2 | SOCK_RAW => SockType::Dgram,
        5 => SockType::SeqPacket,
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    Ok((kind, ty & (O_NONBLOCK | O_CLOEXEC)))
}

/// Installs an open file for `sock` with `flags` (`O_NONBLOCK`, `O_CLOEXEC`).
fn install(task: &Task, sock: SockRef, flags: u32) -> Result<u32, Errno> {
    let open = OpenFile::new(
        FileKind::Special(Special::new(Box::new(SocketFile::new(sock)))),
        O_RDWR | (flags & O_NONBLOCK),
    );
    task.files
        .borrow_mut()
        .insert(Rc::new(RefCell::new(open)), flags & O_CLOEXEC != 0)
}

/// implements socket(2)
fn socket(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (ty, flags) = sock_type(a[0], a[1], a[2])?;
    let s = unix::Sock::new(k.vfs.next_pipe_id(), ty, cred(task));
    Ok(install(task, s, flags)?)
}

/// implements socketpair(2)
fn socketpair(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (ty, flags) = sock_type(a[0], a[1], a[2])?;
    let ids = (k.vfs.next_pipe_id(), k.vfs.next_pipe_id());
    let (x, y) = unix::pair(ids, ty, cred(task));
    let fx = install(task, x, flags)?;
    let fy = match install(task, y, flags) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = task.files.borrow_mut().remove(fx);
            return Err(e.into());
        }
    };
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&fx.to_le_bytes());
    b[4..].copy_from_slice(&fy.to_le_bytes());
    if let Err(e) = task.mem(|m| uaccess::write_bytes(m, a[3], &b)) {
        let mut files = task.files.borrow_mut();
        let _ = files.remove(fx);
        let _ = files.remove(fy);
        return Err(e.into());
    }
    Ok(0)
}

/// A decoded `sockaddr_un`.
enum Addr {
    /// Only the family (`bind`: pick an abstract name).
    Unnamed,
    Path(Vec<u8>),
    Abstract(Vec<u8>),
}

fn read_addr(task: &Task, at: u32, len: u32) -> Result<Addr, Errno> {
    if !(2..=SOCKADDR_UN_SIZE).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let b = task.mem(|m| uaccess::read_bytes(m, at, len as usize))?;
    if u32::from(u16::from_le_bytes([b[0], b[1]])) != AF_UNIX {
        return Err(Errno::EINVAL);
    }
    Ok(match b.get(2) {
        None => Addr::Unnamed,
        Some(0) => Addr::Abstract(b[3..].to_vec()),
        Some(_) => {
            let path = &b[2..];
            let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
            Addr::Path(path[..end].to_vec())
        }
    })
}

/// The `sockaddr_un` bytes `getsockname` returns for a name.
fn sockaddr(abstract_name: bool, name: &[u8]) -> Vec<u8> {
    let mut b = (AF_UNIX as u16).to_le_bytes().to_vec();
    if abstract_name {
        b.push(0);
        b.extend_from_slice(name);
    } else {
        b.extend_from_slice(name);
        b.push(0);
    }
    b
}

/// The bound socket a name refers to (`ECONNREFUSED` if none).
fn find(k: &mut Kernel, task: &Task, addr: &Addr) -> Result<SockRef, Errno> {
    let key = match addr {
        Addr::Unnamed => return Err(Errno::EINVAL),
        Addr::Abstract(n) => Key::Abstract(n.clone()),
        Addr::Path(p) => {
            let loc = k.vfs.resolve(start(k, task, p), p, true)?;
            if k.vfs.stat_loc(loc)?.file_type() != Some(FileType::Socket) {
                return Err(Errno::ECONNREFUSED);
            }
            Key::Node(loc)
        }
    };
    k.net.lookup(&key).ok_or(Errno::ECONNREFUSED)
}

/// Where a socket path is walked from.
fn start(k: &Kernel, task: &Task, path: &[u8]) -> crate::vfs::Loc {
    if path.starts_with(b"/") {
        k.vfs.root_loc()
    } else {
        k.vfs.cwd(&task.fs.borrow())
    }
}

/// implements bind(2)
fn bind(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let addr = read_addr(task, a[1], a[2])?;
    if s.borrow().name.is_some() {
        return Err(Errno::EINVAL.into());
    }
    let (key, name) = match addr {
        Addr::Unnamed => {
            let n = k.net.auto_name().ok_or(Errno::ENOSPC)?;
            (Key::Abstract(n.clone()), sockaddr(true, &n))
        }
        Addr::Abstract(n) => (Key::Abstract(n.clone()), sockaddr(true, &n)),
        Addr::Path(p) => {
            if p.is_empty() {
                return Err(Errno::ENOENT.into());
            }
            let ctx = task.fs.borrow().clone();
            let who = Creator {
                uid: task.creds.user.fs,
                gid: task.creds.group.fs,
            };
            let from = start(k, task, &p);
            k.vfs.set_time(k.now.realtime_ns);
            k.vfs
                .make_node(&ctx, from, &p, FileType::Socket, 0o777, who)
                .map_err(|e| {
                    if e == Errno::EEXIST {
                        Errno::EADDRINUSE
                    } else {
                        e
                    }
                })?;
            let loc = k.vfs.resolve(from, &p, false)?;
            (Key::Node(loc), sockaddr(false, &p))
        }
    };
    k.net.bind(key, &s)?;
    s.borrow_mut().name = Some(name);
    Ok(0)
}

/// implements listen(2)
fn listen(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    s.borrow_mut().listen(a[1])?;
    Ok(0)
}

/// implements connect(2)
fn connect(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, nonblock) = sock(task, a[0])?;
    let addr = read_addr(task, a[1], a[2])?;
    let target = find(k, task, &addr)?;
    if s.borrow().ty == SockType::Dgram {
        unix::connect_dgram(&s, &target)?;
    } else {
        let id = k.vfs.next_pipe_id();
        unix::connect(&s, &target, id, nonblock)?;
    }
    Ok(0)
}

/// Writes `name` to a `sockaddr` buffer at `at` whose size is at `len_at`
/// (truncating), and the full size back there.
fn write_name(task: &Task, at: u32, len_at: u32, name: &[u8]) -> Result<(), Errno> {
    if len_at == 0 {
        return Ok(());
    }
    let room = task.mem(|m| uaccess::read_u32(m, len_at))?;
    if (room as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let n = name.len().min(room as usize);
    task.mem(|m| {
        uaccess::write_bytes(m, at, &name[..n])?;
        uaccess::write_u32(m, len_at, name.len() as u32)
    })
}

/// An unbound socket's name: only the family.
fn unnamed() -> Vec<u8> {
    (AF_UNIX as u16).to_le_bytes().to_vec()
}

/// implements accept4(2)
fn accept4(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, nonblock) = sock(task, a[0])?;
    if a[3] & !(O_NONBLOCK | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if s.borrow().ty == SockType::Dgram {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let conn = s.borrow_mut().accept(nonblock)?;
    let peer = conn.borrow().peer_name.clone().unwrap_or_else(unnamed);
    let fd = install(task, conn, a[3])?;
    if a[1] != 0 {
        if let Err(e) = write_name(task, a[1], a[2], &peer) {
            let _ = task.files.borrow_mut().remove(fd);
            return Err(e.into());
        }
    }
    Ok(fd)
}

/// implements getsockname(2)
fn getsockname(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let name = s.borrow().name.clone().unwrap_or_else(unnamed);
    write_name(task, a[1], a[2], &name)?;
    Ok(0)
}

/// implements getpeername(2)
fn getpeername(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let s = s.borrow();
    if !s.is_connected() {
        return Err(Errno::ENOTCONN.into());
    }
    let name = s.peer_name.clone().unwrap_or_else(unnamed);
    drop(s);
    write_name(task, a[1], a[2], &name)?;
    Ok(0)
}

/// implements shutdown(2)
fn shutdown(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    unix::shutdown(&s, a[1])?;
    Ok(0)
}

// --- sending ---

/// Sends `data` (with `fds` and `creds`) on socket `fd` to `to`; raises
/// SIGPIPE for `EPIPE` unless `MSG_NOSIGNAL`.
#[allow(clippy::too_many_arguments)]
fn send(
    k: &mut Kernel,
    task: &mut Task,
    fd: u32,
    data: Vec<u8>,
    to: Option<Addr>,
    flags: u32,
    fds: Vec<FileRef>,
    creds: Option<Cred>,
) -> SysResult {
    let (s, nonblock) = sock(task, fd)?;
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let (ty, connected) = {
        let s = s.borrow();
        (s.ty, s.is_connected())
    };
    // A stream refuses an address; a packet socket ignores it.
    let target = match (&to, ty) {
        (Some(_), SockType::Stream) if connected => return Err(Errno::EISCONN.into()),
        (Some(_), SockType::Stream) => return Err(Errno::EOPNOTSUPP.into()),
        (Some(addr), SockType::Dgram) => Some(find(k, task, addr)?),
        _ => None,
    };
    let msg = Message {
        data,
        fds,
        cred: creds.unwrap_or_else(|| cred(task)),
        from: s.borrow().name.clone(),
    };
    let r = unix::send(
        &s,
        target.as_ref(),
        msg,
        nonblock || flags & MSG_DONTWAIT != 0,
    );
    if r == Err(Errno::EPIPE.into()) && flags & MSG_NOSIGNAL == 0 {
        task.raise(SIGPIPE);
    }
    Ok(r? as u32)
}

/// The readable start of a guest buffer (`EFAULT` if none of it).
fn gather(task: &Task, at: u32, len: u32) -> Result<Vec<u8>, Errno> {
    let data = task.mem(|m| uaccess::read_prefix(m, at, len as usize));
    if data.is_empty() && len > 0 {
        return Err(Errno::EFAULT);
    }
    Ok(data)
}

/// implements sendto(2) (and send through socketcall)
fn sendto(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let data = gather(task, a[1], a[2])?;
    let to = if a[4] != 0 {
        Some(read_addr(task, a[4], a[5])?)
    } else {
        None
    };
    send(k, task, a[0], data, to, a[3], Vec::new(), None)
}

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

/// Descriptors and credentials from a `sendmsg` control buffer.
fn read_control(task: &Task, h: &MsgHdr) -> Result<(Vec<FileRef>, Option<Cred>), Errno> {
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
            (SOL_SOCKET, SCM_RIGHTS) => {
                let n = data.len() / 4;
                if fds.len() + n > SCM_MAX_FD {
                    return Err(Errno::EINVAL);
                }
                for i in 0..n {
                    fds.push(file(task, w(data.start + i * 4))?);
                }
            }
            (SOL_SOCKET, SCM_CREDENTIALS) if data.len() >= 12 => {
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
fn sendmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let h = read_msghdr(task, a[1])?;
    let data = gather_iov(task, h.iov, h.iovlen)?;
    let to = if h.name != 0 && h.namelen != 0 {
        Some(read_addr(task, h.name, h.namelen)?)
    } else {
        None
    };
    let (fds, creds) = read_control(task, &h)?;
    send(k, task, a[0], data, to, a[2], fds, creds)
}

// --- receiving ---

fn receive(task: &Task, fd: u32, len: usize, flags: u32) -> Result<Received, SysError> {
    let (s, nonblock) = sock(task, fd)?;
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
    let got = s.borrow_mut().recv(len, flags & MSG_PEEK != 0, nonblock)?;
    Ok(got)
}

/// The value a receive returns: the whole datagram's size with `MSG_TRUNC`.
fn received_len(got: &Received, flags: u32) -> u32 {
    if flags & MSG_TRUNC != 0 {
        got.len as u32
    } else {
        got.data.len() as u32
    }
}

/// implements recvfrom(2) (and recv through socketcall)
fn recvfrom(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let room = task.mem(|m| uaccess::writable_prefix(m, a[1], a[2] as usize));
    if room == 0 && a[2] > 0 {
        return Err(Errno::EFAULT.into());
    }
    let got = receive(task, a[0], room, a[3])?;
    task.mem(|m| uaccess::write_bytes(m, a[1], &got.data))?;
    if a[4] != 0 {
        match &got.from {
            Some(from) => write_name(task, a[4], a[5], from)?,
            None => task.mem(|m| uaccess::write_u32(m, a[5], 0))?,
        }
    }
    Ok(received_len(&got, a[3]))
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
fn recvmsg(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
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
fn sendmmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    each_message(k, task, a, sendmsg, |f| f)
}

/// implements recvmmsg(2) and recvmmsg_time64(2); the timeout, checked by
/// Linux only between messages, is not applied
fn recvmmsg(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    each_message(k, task, a, recvmsg, |f| {
        if f & MSG_WAITFORONE != 0 {
            f | MSG_DONTWAIT
        } else {
            f
        }
    })
}

// --- options ---

const SO_TYPE: u32 = 3;
const SO_ERROR: u32 = 4;
const SO_SNDBUF: u32 = 7;
const SO_RCVBUF: u32 = 8;
const SO_PASSCRED: u32 = 16;
const SO_PEERCRED: u32 = 17;
const SO_ACCEPTCONN: u32 = 30;
const SO_PROTOCOL: u32 = 38;
const SO_DOMAIN: u32 = 39;
/// Options accepted and ignored: `SO_REUSEADDR`, `SO_KEEPALIVE`,
/// `SO_BROADCAST`, `SO_LINGER`, `SO_SNDTIMEO`/`SO_RCVTIMEO` (old layout),
/// `SO_PASSSEC`.
const IGNORED: [u32; 7] = [2, 9, 6, 13, 20, 21, 34];
/// The smallest buffers Linux (x86-64) allows.
const MIN_SNDBUF: u32 = 4608;
const MIN_RCVBUF: u32 = 2304;
/// `net.core.{w,r}mem_max`.
const MAX_BUF: u32 = 212_992;

/// implements getsockopt(2)
fn getsockopt(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let (level, opt, at, len_at) = (a[1], a[2], a[3], a[4]);
    let room = task.mem(|m| uaccess::read_u32(m, len_at))? as i32;
    if room < 0 {
        return Err(Errno::EINVAL.into());
    }
    if level != SOL_SOCKET {
        return Err(Errno::ENOPROTOOPT.into());
    }
    let mut s = s.borrow_mut();
    let int = |v: u32| v.to_le_bytes().to_vec();
    let value = match opt {
        SO_TYPE => int(s.ty as u32),
        SO_ERROR => int(s.take_error().map_or(0, |e| u32::from(e.0))),
        SO_SNDBUF => int(s.sndbuf),
        SO_RCVBUF => int(s.rcvbuf),
        SO_PASSCRED => int(u32::from(s.passcred)),
        SO_ACCEPTCONN => int(u32::from(s.is_listening())),
        SO_DOMAIN => int(AF_UNIX),
        SO_PROTOCOL => int(0),
        SO_PEERCRED => {
            let c = if s.is_connected() {
                s.peer_cred
            } else {
                Cred::NONE
            };
            [c.pid, c.uid, c.gid]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect()
        }
        o if IGNORED.contains(&o) => int(0),
        o => {
            drop(s);
            k.log_once_in(
                "getsockopt",
                o,
                &format!("getsockopt: unsupported option {o} (pid {})", task.pid),
            );
            return Err(Errno::ENOPROTOOPT.into());
        }
    };
    drop(s);
    let n = value.len().min(room as usize);
    task.mem(|m| {
        uaccess::write_bytes(m, at, &value[..n])?;
        uaccess::write_u32(m, len_at, n as u32)
    })?;
    Ok(0)
}

/// implements setsockopt(2)
fn setsockopt(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let (level, opt, at, len) = (a[1], a[2], a[3], a[4]);
    if level != SOL_SOCKET {
        return Err(Errno::ENOPROTOOPT.into());
    }
    let int = || -> Result<u32, Errno> {
        if (len as i32) < 4 {
            return Err(Errno::EINVAL);
        }
        task.mem(|m| uaccess::read_u32(m, at))
    };
    match opt {
        SO_SNDBUF => s.borrow_mut().sndbuf = (int()?.min(MAX_BUF) * 2).max(MIN_SNDBUF),
        SO_RCVBUF => s.borrow_mut().rcvbuf = (int()?.min(MAX_BUF) * 2).max(MIN_RCVBUF),
        SO_PASSCRED => s.borrow_mut().passcred = int()? != 0,
        o if IGNORED.contains(&o) => {}
        o => {
            k.log_once_in(
                "setsockopt",
                o,
                &format!("setsockopt: unsupported option {o} (pid {})", task.pid),
            );
            return Err(Errno::ENOPROTOOPT.into());
        }
    }
    Ok(0)
}

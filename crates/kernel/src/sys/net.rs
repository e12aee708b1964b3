//! Socket system calls: the i386 multiplexer `socketcall` and the direct
//! calls. `AF_UNIX` and loopback `AF_INET` exist (`net/`); other families
//! fail with `EAFNOSUPPORT`, quietly, since programs probe them (CPython
//! tries `AF_INET6`).
//!
//! The handlers decode `sockaddr_un`/`sockaddr_in`, `msghdr` and control
//! messages (`SCM_RIGHTS`, `SCM_CREDENTIALS`), move descriptors between
//! tables, and bind internet sockets implicitly where Linux does
//! (`connect`, `sendto`, `listen`).

use std::cell::RefCell;
use std::rc::Rc;

use super::{DomainTable, Handler, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use crate::abi::signal::SIGPIPE;
use crate::net::file::SocketFile;
use crate::net::inet::{self, Proto, SockAddrIn, AF_INET, AF_UNSPEC};
use crate::net::options::{IPPROTO_TCP, IPPROTO_UDP};
use crate::net::sock::{self, Cred, Dest, Family, Message, Received, SockRef, SockType};
use crate::net::unix::{Addr, Key, AF_UNIX};
use crate::uaccess;
use crate::vfs::special::{special, Special};
use crate::vfs::{Creator, FileKind, FileRef, FileType, OpenFile};
use crate::{Kernel, Task};

mod msg;
mod options;

use msg::{recvmmsg, recvmsg, sendmmsg, sendmsg};
use options::{getsockopt, setsockopt};

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

const SOCK_TYPE_MASK: u32 = 0xf;
/// `SOCK_RAW`: a UNIX socket of this type is a datagram socket.
const SOCK_RAW: u32 = 3;
/// `IPPROTO_ICMP`: a datagram socket of it is a ping socket.
const IPPROTO_ICMP: u32 = 1;
/// The highest socket type number (`SOCK_PACKET`).
const SOCK_MAX: u32 = 10;
/// `sizeof(struct sockaddr_storage)`: the longest address a call takes.
const SOCKADDR_MAX: u32 = 128;

const MSG_OOB: u32 = 1;
const MSG_PEEK: u32 = 2;
const MSG_TRUNC: u32 = 0x20;
const MSG_DONTWAIT: u32 = 0x40;
const MSG_NOSIGNAL: u32 = 0x4000;

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

/// The family, type and status flags of `socket`/`socketpair`'s
/// arguments, checked in Linux's order.
fn sock_type(
    k: &mut Kernel,
    task: &Task,
    domain: u32,
    ty: u32,
    protocol: u32,
) -> Result<(Family, SockType, u32), Errno> {
    if ty & !(SOCK_TYPE_MASK | O_NONBLOCK | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let family = match domain {
        d if d == u32::from(AF_UNIX) => Family::Unix,
        d if d == u32::from(AF_INET) => Family::Inet,
        _ => return Err(Errno::EAFNOSUPPORT),
    };
    let flags = ty & (O_NONBLOCK | O_CLOEXEC);
    let ty = ty & SOCK_TYPE_MASK;
    if ty > SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    let kind = match (family, ty, protocol) {
        (Family::Unix, _, p) if p != 0 && p != u32::from(AF_UNIX) => {
            return Err(Errno::EPROTONOSUPPORT)
        }
        (Family::Unix, 1, _) => SockType::Stream,
        (Family::Unix, 2 | SOCK_RAW, _) => SockType::Dgram,
        (Family::Unix, 5, _) => SockType::SeqPacket,
        (Family::Inet, 1, 0 | IPPROTO_TCP) => SockType::Stream,
        (Family::Inet, 2, 0 | IPPROTO_UDP) => SockType::Dgram,
        (Family::Inet, SOCK_RAW, _) if task.creds.user.effective != 0 => return Err(Errno::EPERM),
        // Raw and ping sockets exist on Linux but need a network.
        (Family::Inet, SOCK_RAW, p) | (Family::Inet, 2, p @ IPPROTO_ICMP) => {
            k.log_once_in(
                "socket protocol",
                ty << 16 | p,
                &format!(
                    "socket: AF_INET type {ty} protocol {p} unsupported: there is no network yet (pid {})",
                    task.pid
                ),
            );
            return Err(Errno::EPROTONOSUPPORT);
        }
        (Family::Inet, 1 | 2, _) => return Err(Errno::EPROTONOSUPPORT),
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    Ok((family, kind, flags))
}

/// The credentials a new socket carries: the creator's for a UNIX socket;
/// internet sockets have none to tell.
fn sock_cred(family: Family, task: &Task) -> Cred {
    match family {
        Family::Unix => cred(task),
        Family::Inet => Cred::NONE,
    }
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
    let (family, ty, flags) = sock_type(k, task, a[0], a[1], a[2])?;
    let s = sock::Sock::new(k.vfs.next_pipe_id(), family, ty, sock_cred(family, task));
    Ok(install(task, s, flags)?)
}

/// implements socketpair(2); internet sockets have no pairs (`EOPNOTSUPP`)
fn socketpair(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (family, ty, flags) = sock_type(k, task, a[0], a[1], a[2])?;
    if family != Family::Unix {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let ids = (k.vfs.next_pipe_id(), k.vfs.next_pipe_id());
    let (x, y) = sock::pair(ids, ty, cred(task));
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

// --- addresses ---

/// A guest `sockaddr` of `len` bytes, for the family to decode.
fn read_sockaddr(task: &Task, at: u32, len: u32) -> Result<Vec<u8>, Errno> {
    if len > SOCKADDR_MAX {
        return Err(Errno::EINVAL);
    }
    task.mem(|m| uaccess::read_bytes(m, at, len as usize))
}

/// The bound UNIX socket a name refers to (`ECONNREFUSED` if none).
fn find_unix(k: &mut Kernel, task: &Task, addr: &Addr) -> Result<SockRef, Errno> {
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
    k.net.unix.lookup(&key).ok_or(Errno::ECONNREFUSED)
}

/// Where a socket path is walked from.
fn start(k: &Kernel, task: &Task, path: &[u8]) -> crate::vfs::Loc {
    if path.starts_with(b"/") {
        k.vfs.root_loc()
    } else {
        k.vfs.cwd(&task.fs.borrow())
    }
}

/// Binds UNIX socket `s` to `addr` (a path makes a socket node).
fn bind_unix(k: &mut Kernel, task: &Task, s: &SockRef, addr: Addr) -> Result<(), Errno> {
    let (key, addr) = match addr {
        Addr::Unnamed => {
            let n = k.net.unix.auto_name().ok_or(Errno::ENOSPC)?;
            (Key::Abstract(n.clone()), Addr::Abstract(n))
        }
        Addr::Abstract(n) => (Key::Abstract(n.clone()), Addr::Abstract(n)),
        Addr::Path(p) => {
            if p.is_empty() {
                return Err(Errno::ENOENT);
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
            (Key::Node(loc), Addr::Path(p))
        }
    };
    k.net.unix.bind(key, s)?;
    s.borrow_mut().name = Some(addr.emit());
    Ok(())
}

fn proto(s: &SockRef) -> Proto {
    match s.borrow().ty {
        SockType::Dgram => Proto::Udp,
        _ => Proto::Tcp,
    }
}

/// Binds internet socket `s` at `at` (port 0: an ephemeral port).
fn bind_inet(k: &mut Kernel, task: &Task, s: &SockRef, at: SockAddrIn) -> Result<(), Errno> {
    let privileged = task.creds.user.effective == 0;
    let bound = k.net.inet.bind(proto(s), at, s, privileged)?;
    s.borrow_mut().name = Some(bound.emit());
    Ok(())
}

/// Binds an unbound internet socket to an ephemeral port, as Linux does
/// before it connects, sends or listens.
fn autobind(k: &mut Kernel, task: &Task, s: &SockRef) -> Result<(), Errno> {
    if s.borrow().name.is_some() {
        return Ok(());
    }
    bind_inet(k, task, s, SockAddrIn::UNBOUND)
}

/// The name a socket bound to `INADDR_ANY` shows once it talks to a peer:
/// the loopback source address.
fn route_name(s: &SockRef) {
    let mut s = s.borrow_mut();
    if let Some(name) = &s.name {
        s.name = Some(inet::source(name));
    }
}

/// A destination `sockaddr_in` (`AF_UNSPEC` too where `unspec` allows):
/// `ENETUNREACH`, with one log line, for an address off this machine.
fn inet_dest(k: &mut Kernel, task: &Task, b: &[u8], unspec: bool) -> Result<SockAddrIn, Errno> {
    let dest = SockAddrIn::parse(b)?;
    match SockAddrIn::family(b) {
        Some(AF_INET) => {}
        Some(AF_UNSPEC) if unspec => {}
        _ => return Err(Errno::EAFNOSUPPORT),
    }
    if !dest.is_local() {
        k.log_once_in(
            "inet unreachable",
            u32::from(dest.ip),
            &format!(
                "net: {} is unreachable: there is no network yet, only loopback (pid {})",
                dest.ip, task.pid
            ),
        );
        return Err(Errno::ENETUNREACH);
    }
    Ok(dest.routed())
}

/// implements bind(2)
fn bind(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let b = read_sockaddr(task, a[1], a[2])?;
    let family = s.borrow().family;
    match family {
        Family::Unix => {
            let addr = Addr::parse(&b)?;
            if s.borrow().name.is_some() {
                return Err(Errno::EINVAL.into());
            }
            bind_unix(k, task, &s, addr)?;
        }
        Family::Inet => {
            let at = SockAddrIn::parse(&b)?;
            match SockAddrIn::family(&b) {
                Some(AF_INET) => {}
                // An old compatibility rule: `AF_UNSPEC` binds `INADDR_ANY`.
                Some(AF_UNSPEC) if at.ip.is_unspecified() => {}
                _ => return Err(Errno::EAFNOSUPPORT.into()),
            }
            if !at.is_local() {
                return Err(Errno::EADDRNOTAVAIL.into());
            }
            if s.borrow().name.is_some() {
                return Err(Errno::EINVAL.into());
            }
            bind_inet(k, task, &s, at)?;
        }
    }
    Ok(0)
}

/// implements listen(2)
fn listen(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    let inet_stream = {
        let s = s.borrow();
        s.family == Family::Inet && s.ty == SockType::Stream && !s.is_connected()
    };
    if inet_stream {
        autobind(k, task, &s)?;
    }
    s.borrow_mut().listen(a[1])?;
    Ok(0)
}

/// implements connect(2)
fn connect(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, nonblock) = sock(task, a[0])?;
    let b = read_sockaddr(task, a[1], a[2])?;
    let (family, ty) = {
        let s = s.borrow();
        (s.family, s.ty)
    };
    match (family, ty) {
        (Family::Unix, _) => {
            let target = find_unix(k, task, &Addr::parse(&b)?)?;
            let name = target.borrow().name.clone();
            if ty == SockType::Dgram {
                sock::connect_dgram(&s, Some(&target), name.unwrap_or_default())?;
            } else {
                let id = k.vfs.next_pipe_id();
                sock::connect(&s, &target, id, name, nonblock)?;
            }
        }
        _ if b.len() < 2 => return Err(Errno::EINVAL.into()),
        _ if SockAddrIn::family(&b) == Some(AF_UNSPEC) => sock::disconnect(&s),
        (Family::Inet, SockType::Dgram) => {
            let dest = inet_dest(k, task, &b, false)?;
            autobind(k, task, &s)?;
            route_name(&s);
            let target = k.net.inet.find(Proto::Udp, dest);
            sock::connect_dgram(&s, target.as_ref(), dest.emit())?;
        }
        (Family::Inet, _) => connect_tcp(k, task, &s, &b, nonblock)?,
    }
    Ok(0)
}

/// Connects a TCP socket. Loopback connects at once, but a nonblocking
/// connect still answers `EINPROGRESS` as Linux does, and reports how it
/// ended at the next call; refusal then shows as `SO_ERROR`.
fn connect_tcp(
    k: &mut Kernel,
    task: &Task,
    s: &SockRef,
    b: &[u8],
    nonblock: bool,
) -> Result<(), SysError> {
    {
        let mut s = s.borrow_mut();
        if std::mem::take(&mut s.connecting) {
            if s.is_connected() {
                return Ok(());
            }
            return Err(s.take_error().unwrap_or(Errno::ECONNABORTED).into());
        }
    }
    if s.borrow().is_connected() || s.borrow().is_listening() {
        return Err(Errno::EISCONN.into());
    }
    let dest = inet_dest(k, task, b, false)?;
    autobind(k, task, s)?;
    route_name(s);
    let Some(listener) = k.net.inet.find(Proto::Tcp, dest) else {
        if !nonblock {
            return Err(Errno::ECONNREFUSED.into());
        }
        let mut s = s.borrow_mut();
        s.set_error(Errno::ECONNREFUSED);
        s.close_both();
        s.connecting = true;
        return Err(Errno::EINPROGRESS.into());
    };
    let id = k.vfs.next_pipe_id();
    let server = sock::connect(s, &listener, id, Some(dest.emit()), nonblock)?;
    k.net.inet.hold(Proto::Tcp, dest, &server);
    if nonblock {
        s.borrow_mut().connecting = true;
        return Err(Errno::EINPROGRESS.into());
    }
    Ok(())
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

/// An unbound socket's name: only the family, or `0.0.0.0:0`.
fn unnamed(family: Family) -> Vec<u8> {
    match family {
        Family::Unix => Addr::Unnamed.emit(),
        Family::Inet => SockAddrIn::UNBOUND.emit(),
    }
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
    let peer = {
        let c = conn.borrow();
        c.peer_name.clone().unwrap_or_else(|| unnamed(c.family))
    };
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
    let name = {
        let s = s.borrow();
        s.name.clone().unwrap_or_else(|| unnamed(s.family))
    };
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
    let name = s.peer_name.clone().unwrap_or_else(|| unnamed(s.family));
    drop(s);
    write_name(task, a[1], a[2], &name)?;
    Ok(0)
}

/// implements shutdown(2)
fn shutdown(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (s, _) = sock(task, a[0])?;
    sock::shutdown(&s, a[1])?;
    Ok(0)
}

// --- sending ---

/// Where a datagram addressed `to` goes: the socket bound there, or for
/// UDP nowhere when nobody is.
fn datagram_dest(k: &mut Kernel, task: &Task, s: &SockRef, to: &[u8]) -> Result<Dest, Errno> {
    let family = s.borrow().family;
    match family {
        Family::Unix => Ok(Dest::To(find_unix(k, task, &Addr::parse(to)?)?)),
        Family::Inet => {
            let dest = inet_dest(k, task, to, true)?;
            if dest.port == 0 {
                return Err(Errno::EINVAL);
            }
            autobind(k, task, s)?;
            Ok(k.net
                .inet
                .find(Proto::Udp, dest)
                .map_or(Dest::Nowhere, Dest::To))
        }
    }
}

/// Sends `data` (with `fds` and `creds`) on socket `fd` to `to` (address
/// bytes); raises SIGPIPE for `EPIPE` unless `MSG_NOSIGNAL`.
#[allow(clippy::too_many_arguments)]
fn send(
    k: &mut Kernel,
    task: &mut Task,
    fd: u32,
    data: Vec<u8>,
    to: Option<Vec<u8>>,
    flags: u32,
    fds: Vec<FileRef>,
    creds: Option<Cred>,
) -> SysResult {
    let (s, nonblock) = sock(task, fd)?;
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let (family, ty, connected) = {
        let s = s.borrow();
        (s.family, s.ty, s.is_connected())
    };
    // A UNIX stream refuses an address; TCP and packet sockets ignore it.
    let dest = match (&to, family, ty) {
        (Some(_), Family::Unix, SockType::Stream) if connected => return Err(Errno::EISCONN.into()),
        (Some(_), Family::Unix, SockType::Stream) => return Err(Errno::EOPNOTSUPP.into()),
        (Some(addr), _, SockType::Dgram) => datagram_dest(k, task, &s, addr)?,
        _ => Dest::Peer,
    };
    let msg = Message {
        data,
        fds,
        cred: creds.unwrap_or_else(|| sock_cred(family, task)),
        from: s.borrow().source(),
    };
    let r = sock::send(&s, dest, msg, nonblock || flags & MSG_DONTWAIT != 0);
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
        Some(read_sockaddr(task, a[4], a[5])?)
    } else {
        None
    };
    send(k, task, a[0], data, to, a[3], Vec::new(), None)
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

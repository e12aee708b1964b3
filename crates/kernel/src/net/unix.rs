//! UNIX domain sockets: stream, datagram and sequenced-packet sockets
//! between tasks of the VM.
//!
//! A [`Sock`] is shared (`SockRef`) by its open file ([`SocketFile`]), its
//! peer (weakly), a listener's accept queue (for a connection not accepted
//! yet) and the name registry (weakly, see `mod.rs`). Each socket has its
//! own receive queue of [`Message`]s; a sender appends to its peer's.
//! Shutdown bits follow Linux's `sk_shutdown`: `SHUT_WR` on one end is
//! `RCV_SHUTDOWN` on the other, and closing an end shuts its peer in both
//! directions (reads see EOF, writes `EPIPE`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use crate::abi::errno::Errno;
use crate::abi::poll::*;
use crate::abi::stat::S_IFSOCK;
use crate::sys::SysError;
use crate::vfs::special::{would_block, PollCtx, SpecialFile, ANON_DEV};
use crate::vfs::{FileRef, Io, Stat};

pub(crate) type SockRef = Rc<RefCell<Sock>>;

/// `EPOLLRDHUP`: the peer shut down writing.
const POLLRDHUP: u16 = 0x2000;
const POLLWRBAND: u16 = 0x200;
/// `sk_shutdown` bits.
const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
/// Linux's default `net.core.{r,w}mem_default`.
pub(crate) const DEFAULT_BUF: u32 = 212_992;
/// Datagrams a receiver queues before senders wait (`max_dgram_qlen` + 1).
const DGRAM_QUEUE: usize = 11;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SockType {
    Stream = 1,
    Dgram = 2,
    SeqPacket = 5,
}

impl SockType {
    /// Whether the socket is connection-based.
    fn connected(self) -> bool {
        self != SockType::Dgram
    }
}

/// Process credentials as `SO_PEERCRED` and `SCM_CREDENTIALS` carry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cred {
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
}

impl Cred {
    /// What an unconnected socket reports: no pid, the overflow ids.
    pub const NONE: Cred = Cred {
        pid: 0,
        uid: 65534,
        gid: 65534,
    };
}

/// One send: its bytes (a stream reader may take them in parts), the
/// descriptors passed with it, the sender's credentials and address.
pub(crate) struct Message {
    pub data: Vec<u8>,
    pub fds: Vec<FileRef>,
    pub cred: Cred,
    pub from: Option<Vec<u8>>,
}

/// What a receive took.
#[derive(Default)]
pub(crate) struct Received {
    pub data: Vec<u8>,
    /// The whole datagram's length (longer than `data` when truncated).
    pub len: usize,
    pub fds: Vec<FileRef>,
    pub cred: Option<Cred>,
    pub from: Option<Vec<u8>>,
}

enum State {
    Unconnected,
    Listening {
        backlog: usize,
        /// Server ends of connections not accepted yet.
        queue: VecDeque<SockRef>,
    },
    Connected {
        peer: Weak<RefCell<Sock>>,
    },
}

pub(crate) struct Sock {
    pub id: u64,
    pub ty: SockType,
    /// The creator's credentials (the other end's `SO_PEERCRED`).
    pub cred: Cred,
    /// The bound address: a `sockaddr_un` as `getsockname` returns it.
    pub name: Option<Vec<u8>>,
    /// The peer's address when connected (`getpeername`).
    pub peer_name: Option<Vec<u8>>,
    pub peer_cred: Cred,
    state: State,
    rx: VecDeque<Message>,
    rx_bytes: usize,
    /// Messages ever queued here, for edge-triggered epoll.
    arrivals: u64,
    shutdown: u8,
    /// Pending `SO_ERROR` (a peer closed with data unread).
    error: Option<Errno>,
    pub passcred: bool,
    pub sndbuf: u32,
    pub rcvbuf: u32,
}

impl Sock {
    pub fn new(id: u64, ty: SockType, cred: Cred) -> SockRef {
        Rc::new(RefCell::new(Sock {
            id,
            ty,
            cred,
            name: None,
            peer_name: None,
            peer_cred: Cred::NONE,
            state: State::Unconnected,
            rx: VecDeque::new(),
            rx_bytes: 0,
            arrivals: 0,
            shutdown: 0,
            error: None,
            passcred: false,
            sndbuf: DEFAULT_BUF,
            rcvbuf: DEFAULT_BUF,
        }))
    }

    pub fn is_listening(&self) -> bool {
        matches!(self.state, State::Listening { .. })
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected { .. })
    }

    /// The connected peer, while it exists.
    fn peer(&self) -> Option<SockRef> {
        match &self.state {
            State::Connected { peer } => peer.upgrade(),
            _ => None,
        }
    }

    /// `listen`: `EINVAL` for a connected socket or a datagram socket's
    /// (`EOPNOTSUPP`); a second call only changes the backlog.
    pub fn listen(&mut self, backlog: u32) -> Result<(), Errno> {
        if !self.ty.connected() {
            return Err(Errno::EOPNOTSUPP);
        }
        let backlog = backlog.min(4096) as usize;
        match &mut self.state {
            State::Connected { .. } => Err(Errno::EINVAL),
            State::Listening { backlog: b, .. } => {
                *b = backlog;
                Ok(())
            }
            State::Unconnected if self.name.is_none() => Err(Errno::EINVAL),
            State::Unconnected => {
                self.state = State::Listening {
                    backlog,
                    queue: VecDeque::new(),
                };
                Ok(())
            }
        }
    }

    /// Takes the next connection of a listening socket.
    pub fn accept(&mut self, nonblock: bool) -> Result<SockRef, SysError> {
        match &mut self.state {
            State::Listening { queue, .. } => queue.pop_front().ok_or(would_block(nonblock)),
            _ => Err(Errno::EINVAL.into()),
        }
    }

    /// Receives up to `len` bytes: a stream takes bytes across messages (not
    /// past one carrying descriptors), a datagram or packet socket one
    /// whole message, truncated to `len`. `peek` leaves the queue alone.
    pub fn recv(&mut self, len: usize, peek: bool, nonblock: bool) -> Result<Received, SysError> {
        if self.is_listening() {
            return Err(Errno::EINVAL.into());
        }
        if self.ty.connected() && !self.is_connected() && self.rx.is_empty() {
            return Err(Errno::ENOTCONN.into());
        }
        if self.rx.is_empty() {
            if let Some(e) = self.error.take() {
                return Err(e.into());
            }
            if self.shutdown & RCV_SHUTDOWN != 0 || len == 0 && self.ty == SockType::Stream {
                return Ok(Received::default());
            }
            return Err(would_block(nonblock));
        }
        if self.ty != SockType::Stream {
            return Ok(self.recv_message(len, peek));
        }
        let mut got = Received::default();
        let mut i = 0;
        while got.data.len() < len {
            let Some(m) = self.rx.get_mut(i) else { break };
            if !got.data.is_empty() && (!m.fds.is_empty() || Some(m.cred) != got.cred) {
                break;
            }
            let n = (len - got.data.len()).min(m.data.len());
            got.data.extend_from_slice(&m.data[..n]);
            got.cred = Some(m.cred);
            if got.from.is_none() {
                got.from.clone_from(&m.from);
            }
            let carried_fds = !m.fds.is_empty();
            if peek {
                got.fds.extend(m.fds.iter().cloned());
                i += 1;
            } else {
                got.fds.append(&mut m.fds);
                m.data.drain(..n);
                self.rx_bytes -= n;
                if m.data.is_empty() {
                    self.rx.pop_front();
                }
            }
            if carried_fds {
                break;
            }
        }
        got.len = got.data.len();
        Ok(got)
    }

    fn recv_message(&mut self, len: usize, peek: bool) -> Received {
        let m = match (peek, self.rx.front()) {
            (true, Some(m)) => Message {
                data: m.data.clone(),
                fds: m.fds.clone(),
                cred: m.cred,
                from: m.from.clone(),
            },
            _ => match self.rx.pop_front() {
                Some(m) => {
                    self.rx_bytes -= m.data.len();
                    m
                }
                None => return Received::default(),
            },
        };
        let whole = m.data.len();
        let mut data = m.data;
        data.truncate(len);
        Received {
            data,
            len: whole,
            fds: m.fds,
            cred: Some(m.cred),
            from: m.from,
        }
    }

    /// Bytes a stream reader could take now, or the next datagram's size.
    pub fn available(&self) -> usize {
        match self.ty {
            SockType::Stream => self.rx_bytes,
            _ => self.rx.front().map_or(0, |m| m.data.len()),
        }
    }

    pub fn take_error(&mut self) -> Option<Errno> {
        self.error.take()
    }

    fn readiness(&self) -> u16 {
        let mut ev = 0;
        if self.error.is_some() {
            ev |= POLLERR;
        }
        if self.shutdown == RCV_SHUTDOWN | SEND_SHUTDOWN {
            ev |= POLLHUP;
        }
        if self.shutdown & RCV_SHUTDOWN != 0 {
            ev |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        match &self.state {
            State::Listening { queue, .. } => {
                if !queue.is_empty() {
                    ev |= POLLIN | POLLRDNORM;
                }
                return ev;
            }
            State::Unconnected if self.ty.connected() => ev |= POLLHUP,
            _ => {}
        }
        if !self.rx.is_empty() {
            ev |= POLLIN | POLLRDNORM;
        }
        let room = match self.peer() {
            Some(p) => match p.try_borrow() {
                Ok(p) => p.has_room(self.sndbuf as usize),
                Err(_) => true,
            },
            None => true,
        };
        if room {
            ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        ev
    }

    /// Whether a sender with buffer `sndbuf` may queue more here.
    fn has_room(&self, sndbuf: usize) -> bool {
        match self.ty {
            SockType::Dgram => self.rx.len() < DGRAM_QUEUE,
            _ => self.rx_bytes < sndbuf,
        }
    }
}

/// Two connected sockets (`socketpair`).
pub(crate) fn pair(ids: (u64, u64), ty: SockType, cred: Cred) -> (SockRef, SockRef) {
    let a = Sock::new(ids.0, ty, cred);
    let b = Sock::new(ids.1, ty, cred);
    link(&a, &b);
    (a, b)
}

/// Makes `a` and `b` each other's peer.
fn link(a: &SockRef, b: &SockRef) {
    let (mut x, mut y) = (a.borrow_mut(), b.borrow_mut());
    x.state = State::Connected {
        peer: Rc::downgrade(b),
    };
    y.state = State::Connected {
        peer: Rc::downgrade(a),
    };
    x.peer_name.clone_from(&y.name);
    y.peer_name.clone_from(&x.name);
    x.peer_cred = y.cred;
    y.peer_cred = x.cred;
}

/// Connects stream or packet socket `client` to `listener`, queueing the
/// server end (`server_id` names it) for `accept`.
pub(crate) fn connect(
    client: &SockRef,
    listener: &SockRef,
    server_id: u64,
    nonblock: bool,
) -> Result<(), SysError> {
    let ty = {
        let c = client.borrow();
        if c.is_connected() {
            return Err(Errno::EISCONN.into());
        }
        if c.is_listening() {
            return Err(Errno::EINVAL.into());
        }
        c.ty
    };
    let mut l = listener.borrow_mut();
    if l.ty != ty {
        return Err(Errno::EPROTOTYPE.into());
    }
    let (l_name, l_cred) = (l.name.clone(), l.cred);
    let State::Listening { backlog, queue } = &mut l.state else {
        return Err(Errno::ECONNREFUSED.into());
    };
    if queue.len() > *backlog {
        return Err(if nonblock {
            Errno::EAGAIN.into()
        } else {
            SysError::Block { until: None }
        });
    }
    let server = Sock::new(server_id, ty, l_cred);
    server.borrow_mut().name = l_name;
    queue.push_back(server.clone());
    drop(l);
    link(client, &server);
    Ok(())
}

/// Connects datagram socket `sock` to `target` (sends go there by default).
pub(crate) fn connect_dgram(sock: &SockRef, target: &SockRef) -> Result<(), Errno> {
    if target.borrow().ty != SockType::Dgram {
        return Err(Errno::EPROTOTYPE);
    }
    let peer_name = target.borrow().name.clone();
    let mut s = sock.borrow_mut();
    s.state = State::Connected {
        peer: Rc::downgrade(target),
    };
    s.peer_name = peer_name;
    Ok(())
}

/// Sends `msg` from `sock` to `to` (a datagram's explicit destination;
/// connection-based sockets ignore it) or to its peer. Returns the bytes queued: all of a message, or for a stream
/// as much as there is room for.
pub(crate) fn send(
    sock: &SockRef,
    to: Option<&SockRef>,
    mut msg: Message,
    nonblock: bool,
) -> Result<usize, SysError> {
    let (ty, sndbuf) = {
        let s = sock.borrow();
        if s.shutdown & SEND_SHUTDOWN != 0 {
            return Err(Errno::EPIPE.into());
        }
        if s.is_listening() {
            return Err(Errno::ENOTCONN.into());
        }
        (s.ty, s.sndbuf as usize)
    };
    let target = match to {
        Some(t) if ty == SockType::Dgram => t.clone(),
        _ => {
            let s = sock.borrow();
            match (&s.state, s.peer()) {
                (State::Connected { .. }, Some(p)) => p,
                (State::Connected { .. }, None) if ty.connected() => {
                    return Err(Errno::EPIPE.into())
                }
                (State::Connected { .. }, None) => return Err(Errno::ECONNREFUSED.into()),
                _ => return Err(Errno::ENOTCONN.into()),
            }
        }
    };
    if Rc::ptr_eq(&target, sock) && ty != SockType::Dgram {
        return Err(Errno::EINVAL.into());
    }
    let mut t = target.borrow_mut();
    if t.ty != ty {
        return Err(Errno::EPROTOTYPE.into());
    }
    if ty == SockType::Dgram {
        // A receiver connected elsewhere takes datagrams only from its peer.
        if let State::Connected { peer } = &t.state {
            if !std::ptr::eq(peer.as_ptr(), Rc::as_ptr(sock)) && !Rc::ptr_eq(&target, sock) {
                return Err(Errno::EPERM.into());
            }
        }
    }
    if t.shutdown & RCV_SHUTDOWN != 0 {
        return Err(Errno::EPIPE.into());
    }
    let len = msg.data.len();
    if ty != SockType::Stream && len > sndbuf {
        return Err(Errno::EMSGSIZE.into());
    }
    if ty == SockType::Stream && len == 0 {
        return Ok(0);
    }
    if !t.has_room(sndbuf) {
        return Err(would_block(nonblock));
    }
    let n = if ty == SockType::Stream {
        len.min(sndbuf - t.rx_bytes)
    } else {
        len
    };
    msg.data.truncate(n);
    t.rx_bytes += n;
    t.arrivals += 1;
    t.rx.push_back(msg);
    Ok(n)
}

/// `shutdown`: `how` is `SHUT_RD` (0), `SHUT_WR` (1) or `SHUT_RDWR` (2).
pub(crate) fn shutdown(sock: &SockRef, how: u32) -> Result<(), Errno> {
    if how > 2 {
        return Err(Errno::EINVAL);
    }
    let mode = (how + 1) as u8;
    let mut s = sock.borrow_mut();
    if !s.is_connected() && s.ty.connected() {
        return Err(Errno::ENOTCONN);
    }
    s.shutdown |= mode;
    let peer = s.peer();
    let connected = s.ty.connected();
    drop(s);
    if let (Some(p), true) = (peer, connected) {
        // Our write side is the peer's read side and the other way round.
        let swapped = ((mode & RCV_SHUTDOWN) << 1) | ((mode & SEND_SHUTDOWN) >> 1);
        p.borrow_mut().shutdown |= swapped;
    }
    Ok(())
}

/// An open socket: closing the last descriptor closes the socket.
pub(crate) struct SocketFile {
    pub sock: SockRef,
}

impl SocketFile {
    pub fn new(sock: SockRef) -> SocketFile {
        SocketFile { sock }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let (peer, unread, pending, queued) = {
            let Ok(mut s) = self.sock.try_borrow_mut() else {
                return;
            };
            s.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
            let pending = match &mut s.state {
                State::Listening { queue, .. } => std::mem::take(queue),
                _ => VecDeque::new(),
            };
            let peer = if s.ty.connected() { s.peer() } else { None };
            let unread = !s.rx.is_empty();
            (peer, unread, pending, std::mem::take(&mut s.rx))
        };
        if let Some(p) = peer {
            if let Ok(mut p) = p.try_borrow_mut() {
                p.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
                if unread {
                    p.error = Some(Errno::ECONNRESET);
                }
            }
        }
        // Unaccepted connections close as if accepted and closed; queued
        // descriptors close. Both only after every borrow above ends.
        for server in pending {
            drop(SocketFile::new(server));
        }
        drop(queued);
    }
}

impl SpecialFile for SocketFile {
    fn read(&mut self, _io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        let got = self.sock.borrow_mut().recv(buf.len(), false, nonblock)?;
        buf[..got.data.len()].copy_from_slice(&got.data);
        // Descriptors received by a plain read are closed (after the borrow).
        drop(got.fds);
        Ok(got.data.len())
    }

    fn write(&mut self, _io: &mut Io, data: &[u8], nonblock: bool) -> Result<usize, SysError> {
        let (cred, from) = {
            let s = self.sock.borrow();
            (s.cred, s.name.clone())
        };
        let msg = Message {
            data: data.to_vec(),
            fds: Vec::new(),
            cred,
            from,
        };
        send(&self.sock, None, msg, nonblock)
    }

    fn poll(&self, _ctx: &PollCtx) -> u16 {
        self.sock.try_borrow().map_or(0, |s| s.readiness())
    }

    fn activity(&self, events: u16) -> u64 {
        if events & POLLIN == 0 {
            return 0;
        }
        self.sock.try_borrow().map_or(0, |s| s.arrivals)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: ANON_DEV,
            ino: self.sock.borrow().id,
            mode: S_IFSOCK | 0o777,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }

    fn link(&self) -> String {
        format!("socket:[{}]", self.sock.borrow().id)
    }

    fn available(&self) -> Result<u64, Errno> {
        Ok(self.sock.borrow().available() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Cred = Cred {
        pid: 5,
        uid: 1,
        gid: 2,
    };

    fn msg(data: &[u8]) -> Message {
        Message {
            data: data.to_vec(),
            fds: Vec::new(),
            cred: ME,
            from: None,
        }
    }

    #[test]
    fn stream_pair_moves_bytes_then_eof_and_epipe() {
        let (a, b) = pair((1, 2), SockType::Stream, ME);
        assert_eq!(send(&a, None, msg(b"hello"), false), Ok(5));
        assert_eq!(send(&a, None, msg(b" world"), false), Ok(6));
        let got = b.borrow_mut().recv(8, true, false).ok().unwrap();
        assert_eq!(got.data, b"hello wo");
        let got = b.borrow_mut().recv(100, false, false).ok().unwrap();
        assert_eq!(got.data, b"hello world");
        assert_eq!(
            b.borrow_mut().recv(1, false, true).err(),
            Some(SysError::Errno(Errno::EAGAIN))
        );
        assert_eq!(b.borrow().peer_cred, ME);
        shutdown(&a, 1).unwrap();
        assert_eq!(b.borrow_mut().recv(1, false, false).ok().unwrap().len, 0);
        assert_eq!(send(&a, None, msg(b"x"), false), Err(Errno::EPIPE.into()));
        drop(SocketFile::new(b));
        assert_eq!(a.borrow().readiness() & POLLHUP, POLLHUP);
    }

    #[test]
    fn packets_keep_boundaries_and_truncate() {
        let (a, b) = pair((1, 2), SockType::SeqPacket, ME);
        send(&a, None, msg(b"abcdef"), false).unwrap();
        send(&a, None, msg(b"gh"), false).unwrap();
        let got = b.borrow_mut().recv(4, false, false).ok().unwrap();
        assert_eq!((got.data.as_slice(), got.len), (&b"abcd"[..], 6));
        let got = b.borrow_mut().recv(4, false, false).ok().unwrap();
        assert_eq!(got.data, b"gh");
    }

    #[test]
    fn listener_queues_connections_for_accept() {
        let l = Sock::new(1, SockType::Stream, ME);
        assert_eq!(l.borrow_mut().listen(5), Err(Errno::EINVAL));
        l.borrow_mut().name = Some(b"\x01\x00\x00abc".to_vec());
        l.borrow_mut().listen(5).unwrap();
        let c = Sock::new(2, SockType::Stream, ME);
        assert_eq!(l.borrow().readiness() & POLLIN, 0);
        connect(&c, &l, 3, false).unwrap();
        assert_eq!(l.borrow().readiness() & POLLIN, POLLIN);
        let s = l.borrow_mut().accept(false).ok().unwrap();
        assert_eq!(c.borrow().peer_name, l.borrow().name);
        send(&c, None, msg(b"ping"), false).unwrap();
        assert_eq!(
            s.borrow_mut().recv(10, false, false).ok().unwrap().data,
            b"ping"
        );
        assert_eq!(
            l.borrow_mut().accept(false).err(),
            Some(SysError::Block { until: None })
        );
    }
}

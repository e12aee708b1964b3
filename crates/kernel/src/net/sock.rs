//! The socket core both families share: byte streams, datagrams and
//! sequenced packets between sockets of the VM, the accept backlog,
//! shutdown, readiness for poll/epoll, and what a closed peer means.
//!
//! A [`Sock`] is shared (`SockRef`) by its open file (`file.rs`), its
//! peer (weakly), a listener's accept queue (for a connection not accepted
//! yet) and the name or port registry (weakly, see `mod.rs`). Each socket
//! has its own receive queue of [`Message`]s; a sender appends to its
//! peer's. Shutdown bits follow Linux's `sk_shutdown`: `SHUT_WR` on one end
//! is `RCV_SHUTDOWN` on the other.
//!
//! The families differ where Linux's do, each difference marked by a match
//! on [`Family`]:
//! - A closed UNIX socket shuts its peer in both directions (writes fail
//!   with `EPIPE` at once); a closed TCP socket sends FIN, so the peer
//!   reads EOF, its next write is answered by a reset and only the one
//!   after fails.
//! - A UNIX datagram sender waits for room in a full receiver; UDP drops
//!   the datagram, and a datagram to a port nobody holds is lost too
//!   (a connected UDP socket learns of it at its next call, as from ICMP).
//! - TCP's `SHUT_RD` is not seen by the peer; sending on an unconnected
//!   TCP socket is `EPIPE`, not `ENOTCONN`; TCP poll has no `POLLWRBAND`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use super::options::Options;
use crate::abi::errno::Errno;
use crate::abi::poll::*;
use crate::sys::SysError;
use crate::vfs::special::would_block;
use crate::vfs::FileRef;

pub(crate) type SockRef = Rc<RefCell<Sock>>;

/// `EPOLLRDHUP`: the peer shut down writing.
const POLLRDHUP: u16 = 0x2000;
const POLLWRBAND: u16 = 0x200;
/// `sk_shutdown` bits.
const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
const SHUTDOWN_MASK: u8 = RCV_SHUTDOWN | SEND_SHUTDOWN;
/// Linux's default `net.core.{r,w}mem_default` (UNIX and UDP buffers).
const DEFAULT_BUF: u32 = 212_992;
/// TCP's default buffers, `net.ipv4.tcp_wmem` and `tcp_rmem` (middle values).
const TCP_SNDBUF: u32 = 16_384;
const TCP_RCVBUF: u32 = 131_072;
/// Datagrams a UNIX receiver queues before senders wait (`max_dgram_qlen` + 1).
const DGRAM_QUEUE: usize = 11;
/// The largest UDP payload over IPv4: 65535 less the IP and UDP headers.
const UDP_MAX: usize = 65_507;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Unix,
    Inet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SockType {
    Stream = 1,
    Dgram = 2,
    SeqPacket = 5,
}

impl SockType {
    /// Whether the socket is connection-based.
    pub fn connected(self) -> bool {
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
    /// What an unconnected or internet socket reports: no pid, the
    /// overflow ids.
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
    /// A datagram socket's peer may be absent: UDP connects to a port
    /// nobody holds.
    Connected {
        peer: Weak<RefCell<Sock>>,
    },
}

pub(crate) struct Sock {
    pub id: u64,
    pub family: Family,
    pub ty: SockType,
    /// The creator's credentials (the other end's `SO_PEERCRED`).
    pub cred: Cred,
    /// The bound address as `getsockname` returns it (a `sockaddr_un` or
    /// `sockaddr_in`).
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
    /// Pending `SO_ERROR`: a peer closed with data unread, or a datagram
    /// was refused.
    error: Option<Errno>,
    pub passcred: bool,
    pub sndbuf: u32,
    pub rcvbuf: u32,
    pub options: Options,
    /// A nonblocking TCP `connect` answered `EINPROGRESS`; the next
    /// `connect` reports how it ended.
    pub connecting: bool,
}

impl Sock {
    pub fn new(id: u64, family: Family, ty: SockType, cred: Cred) -> SockRef {
        let (sndbuf, rcvbuf) = match (family, ty) {
            (Family::Inet, SockType::Stream) => (TCP_SNDBUF, TCP_RCVBUF),
            _ => (DEFAULT_BUF, DEFAULT_BUF),
        };
        Rc::new(RefCell::new(Sock {
            id,
            family,
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
            sndbuf,
            rcvbuf,
            options: Options::default(),
            connecting: false,
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

    /// `listen`: `EINVAL` for a connected or unbound socket, `EOPNOTSUPP`
    /// for a datagram socket; a second call only changes the backlog.
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
            return Err(match self.family {
                Family::Unix => Errno::EINVAL,
                Family::Inet => Errno::ENOTCONN,
            }
            .into());
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

    /// Messages ever queued here, for edge-triggered epoll.
    pub fn arrivals(&self) -> u64 {
        self.arrivals
    }

    pub fn take_error(&mut self) -> Option<Errno> {
        self.error.take()
    }

    /// Records an error the socket's next call reports (`SO_ERROR`).
    pub fn set_error(&mut self, e: Errno) {
        self.error = Some(e);
    }

    /// Ends both directions, as a refused or reset connection does.
    pub fn close_both(&mut self) {
        self.shutdown = SHUTDOWN_MASK;
    }

    /// The address a message sent from here carries: a UNIX socket's
    /// name, a UDP socket's address as the receiver sees it; TCP bytes
    /// carry none.
    pub fn source(&self) -> Option<Vec<u8>> {
        match (self.family, self.ty) {
            (Family::Unix, _) => self.name.clone(),
            (Family::Inet, SockType::Dgram) => self.name.as_deref().map(super::inet::source),
            (Family::Inet, _) => None,
        }
    }

    pub fn readiness(&self) -> u16 {
        let mut ev = 0;
        if self.error.is_some() {
            ev |= POLLERR;
        }
        if self.shutdown == SHUTDOWN_MASK {
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
        // A UDP sender never waits for its receiver.
        let udp = (self.family, self.ty) == (Family::Inet, SockType::Dgram);
        let room = udp
            || match self.peer() {
                Some(p) => p
                    .try_borrow()
                    .map_or(true, |p| p.has_room(self.sndbuf as usize)),
                None => true,
            };
        if room {
            ev |= match (self.family, self.ty) {
                (Family::Inet, SockType::Stream) => POLLOUT | POLLWRNORM,
                _ => POLLOUT | POLLWRNORM | POLLWRBAND,
            };
        }
        ev
    }

    /// Stream bytes a sender with buffer `sndbuf` may still queue here: a
    /// UNIX sender's buffer holds them; TCP has the receive window too.
    fn stream_room(&self, sndbuf: usize) -> usize {
        let limit = match self.family {
            Family::Unix => sndbuf,
            Family::Inet => sndbuf + self.rcvbuf as usize,
        };
        limit.saturating_sub(self.rx_bytes)
    }

    /// Whether a sender with buffer `sndbuf` may queue more here.
    fn has_room(&self, sndbuf: usize) -> bool {
        match (self.ty, self.family) {
            (SockType::Dgram, Family::Unix) => self.rx.len() < DGRAM_QUEUE,
            (SockType::Dgram, Family::Inet) => self.rx_bytes < self.rcvbuf as usize,
            _ => self.stream_room(sndbuf) > 0,
        }
    }
}

/// Two connected sockets (`socketpair`).
pub(crate) fn pair(ids: (u64, u64), ty: SockType, cred: Cred) -> (SockRef, SockRef) {
    let a = Sock::new(ids.0, Family::Unix, ty, cred);
    let b = Sock::new(ids.1, Family::Unix, ty, cred);
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
/// server end (`server_id` numbers it, `server_name` is its address) for
/// `accept`. Returns the server end.
pub(crate) fn connect(
    client: &SockRef,
    listener: &SockRef,
    server_id: u64,
    server_name: Option<Vec<u8>>,
    nonblock: bool,
) -> Result<SockRef, SysError> {
    let (family, ty) = {
        let c = client.borrow();
        if c.is_connected() {
            return Err(Errno::EISCONN.into());
        }
        if c.is_listening() {
            return Err(Errno::EINVAL.into());
        }
        (c.family, c.ty)
    };
    let mut l = listener.borrow_mut();
    if l.ty != ty {
        return Err(Errno::EPROTOTYPE.into());
    }
    let l_cred = l.cred;
    let (sndbuf, rcvbuf) = (l.sndbuf, l.rcvbuf);
    let State::Listening { backlog, queue } = &mut l.state else {
        return Err(Errno::ECONNREFUSED.into());
    };
    if queue.len() > *backlog {
        return Err(would_block(nonblock));
    }
    let server = Sock::new(server_id, family, ty, l_cred);
    {
        let mut s = server.borrow_mut();
        s.name = server_name;
        // A TCP child is a clone of its listener; a UNIX one starts afresh.
        if family == Family::Inet {
            (s.sndbuf, s.rcvbuf) = (sndbuf, rcvbuf);
        }
    }
    queue.push_back(server.clone());
    drop(l);
    link(client, &server);
    Ok(server)
}

/// Connects datagram socket `sock` to `target`, the socket bound at
/// `peer_name` (UDP may name a port nobody holds): sends go there by
/// default, and only its datagrams arrive.
pub(crate) fn connect_dgram(
    sock: &SockRef,
    target: Option<&SockRef>,
    peer_name: Vec<u8>,
) -> Result<(), Errno> {
    if target.is_some_and(|t| t.borrow().ty != SockType::Dgram) {
        return Err(Errno::EPROTOTYPE);
    }
    let mut s = sock.borrow_mut();
    s.state = State::Connected {
        peer: target.map_or_else(Weak::new, Rc::downgrade),
    };
    s.peer_name = Some(peer_name);
    Ok(())
}

/// `connect` to `AF_UNSPEC`: a datagram socket forgets its peer; a
/// connection is aborted (the peer sees a reset, unread data is dropped)
/// and a listener stops listening. Either may connect again.
pub(crate) fn disconnect(sock: &SockRef) {
    let (peer, pending, dropped) = {
        let mut s = sock.borrow_mut();
        let peer = if s.ty.connected() { s.peer() } else { None };
        let pending = match std::mem::replace(&mut s.state, State::Unconnected) {
            State::Listening { queue, .. } => queue,
            _ => VecDeque::new(),
        };
        s.peer_name = None;
        let mut dropped = VecDeque::new();
        if s.ty.connected() {
            s.shutdown = 0;
            s.rx_bytes = 0;
            dropped = std::mem::take(&mut s.rx);
        }
        (peer, pending, dropped)
    };
    if let Some(p) = peer {
        let mut p = p.borrow_mut();
        p.error = Some(Errno::ECONNRESET);
        p.shutdown = SHUTDOWN_MASK;
    }
    for server in pending {
        close(&server);
    }
    drop(dropped);
}

/// Where a send goes.
pub(crate) enum Dest {
    /// The connected peer (connection-based sockets always send there).
    Peer,
    /// A datagram's explicit destination.
    To(SockRef),
    /// A UDP datagram's address that nobody holds: the datagram is lost.
    Nowhere,
}

/// Sends `msg` from `sock` to `to`. Returns the bytes taken: all of a
/// message, or for a stream as much as there is room for.
pub(crate) fn send(
    sock: &SockRef,
    to: Dest,
    mut msg: Message,
    nonblock: bool,
) -> Result<usize, SysError> {
    let (family, ty, sndbuf) = {
        let mut s = sock.borrow_mut();
        if s.shutdown & SEND_SHUTDOWN != 0 {
            return Err(Errno::EPIPE.into());
        }
        if s.ty == SockType::Dgram {
            // An earlier datagram's refusal fails this call, as Linux's
            // `sock_alloc_send_skb` reports `sk_err`.
            if let Some(e) = s.error.take() {
                return Err(e.into());
            }
        }
        (s.family, s.ty, s.sndbuf as usize)
    };
    let len = msg.data.len();
    match (family, ty) {
        (Family::Unix, SockType::Dgram | SockType::SeqPacket) if len > sndbuf => {
            return Err(Errno::EMSGSIZE.into())
        }
        (Family::Inet, SockType::Dgram) if len > UDP_MAX => return Err(Errno::EMSGSIZE.into()),
        _ => {}
    }
    let target = match (to, ty) {
        (Dest::To(t), SockType::Dgram) => t,
        (Dest::Nowhere, SockType::Dgram) => return Ok(len),
        _ => {
            let mut s = sock.borrow_mut();
            let connected = s.is_connected();
            match (connected, s.peer(), family, ty) {
                (true, Some(p), ..) => p,
                (true, None, Family::Unix, SockType::Dgram) => {
                    return Err(Errno::ECONNREFUSED.into())
                }
                (true, None, Family::Unix, _) => return Err(Errno::EPIPE.into()),
                (true, None, Family::Inet, SockType::Dgram) => {
                    s.error = Some(Errno::ECONNREFUSED);
                    return Ok(len);
                }
                (true, None, Family::Inet, _) => {
                    // The closed peer answers with a reset.
                    s.shutdown = SHUTDOWN_MASK;
                    return Ok(len);
                }
                (false, _, Family::Inet, SockType::Dgram) => return Err(Errno::EDESTADDRREQ.into()),
                (false, _, Family::Inet, _) => return Err(Errno::EPIPE.into()),
                (false, _, Family::Unix, _) => return Err(Errno::ENOTCONN.into()),
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
    if ty == SockType::Dgram && !Rc::ptr_eq(&target, sock) {
        // A receiver connected elsewhere takes datagrams only from its
        // peer: UNIX refuses the sender, UDP drops the datagram.
        if let State::Connected { peer } = &t.state {
            match family {
                Family::Unix if !std::ptr::eq(peer.as_ptr(), Rc::as_ptr(sock)) => {
                    return Err(Errno::EPERM.into())
                }
                Family::Inet if msg.from != t.peer_name => return Ok(len),
                _ => {}
            }
        }
    }
    if family == Family::Unix && t.shutdown & RCV_SHUTDOWN != 0 {
        return Err(Errno::EPIPE.into());
    }
    if ty == SockType::Stream && len == 0 {
        return Ok(0);
    }
    if !t.has_room(sndbuf) {
        if (family, ty) == (Family::Inet, SockType::Dgram) {
            return Ok(len);
        }
        return Err(would_block(nonblock));
    }
    let n = if ty == SockType::Stream {
        len.min(t.stream_room(sndbuf))
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
    if !s.is_connected() && (s.ty.connected() || s.family == Family::Inet) {
        return Err(Errno::ENOTCONN);
    }
    s.shutdown |= mode;
    let peer = if s.ty.connected() { s.peer() } else { None };
    let family = s.family;
    drop(s);
    if let Some(p) = peer {
        // Our write side is the peer's read side; a UNIX peer also stops
        // writing to a socket that shut its read side.
        let mut told = (mode & SEND_SHUTDOWN) >> 1;
        if family == Family::Unix {
            told |= (mode & RCV_SHUTDOWN) << 1;
        }
        p.borrow_mut().shutdown |= told;
    }
    Ok(())
}

/// Closes `sock` (its last descriptor went): data left unread resets the
/// connection; otherwise a TCP peer sees FIN and a UNIX peer is shut in
/// both directions. Unaccepted connections close as if accepted and
/// closed.
pub(crate) fn close(sock: &SockRef) {
    let (family, peer, unread, pending, queued) = {
        let Ok(mut s) = sock.try_borrow_mut() else {
            return;
        };
        s.shutdown = SHUTDOWN_MASK;
        let pending = match &mut s.state {
            State::Listening { queue, .. } => std::mem::take(queue),
            _ => VecDeque::new(),
        };
        let peer = if s.ty.connected() { s.peer() } else { None };
        let unread = !s.rx.is_empty();
        (s.family, peer, unread, pending, std::mem::take(&mut s.rx))
    };
    if let Some(p) = peer {
        if let Ok(mut p) = p.try_borrow_mut() {
            if unread {
                p.error = Some(Errno::ECONNRESET);
            }
            p.shutdown |= match (family, unread) {
                (Family::Inet, false) => RCV_SHUTDOWN,
                _ => SHUTDOWN_MASK,
            };
        }
    }
    // Queued descriptors close only after every borrow above ends.
    for server in pending {
        close(&server);
    }
    drop(queued);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::file::SocketFile;

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

    fn recv(s: &SockRef, len: usize) -> Result<Received, SysError> {
        s.borrow_mut().recv(len, false, true)
    }

    /// A connected stream pair of `family` through a listener.
    fn connected(family: Family) -> (SockRef, SockRef) {
        let l = Sock::new(1, family, SockType::Stream, ME);
        l.borrow_mut().name = Some(b"listener".to_vec());
        l.borrow_mut().listen(5).unwrap();
        let c = Sock::new(2, family, SockType::Stream, ME);
        connect(&c, &l, 3, Some(b"server".to_vec()), false).unwrap();
        let s = l.borrow_mut().accept(false).ok().unwrap();
        assert_eq!(c.borrow().peer_name.as_deref(), Some(&b"server"[..]));
        (c, s)
    }

    #[test]
    fn stream_pair_moves_bytes_then_eof_and_epipe() {
        let (a, b) = pair((1, 2), SockType::Stream, ME);
        assert_eq!(send(&a, Dest::Peer, msg(b"hello"), false), Ok(5));
        assert_eq!(send(&a, Dest::Peer, msg(b" world"), false), Ok(6));
        let got = b.borrow_mut().recv(8, true, false).ok().unwrap();
        assert_eq!(got.data, b"hello wo");
        let got = b.borrow_mut().recv(100, false, false).ok().unwrap();
        assert_eq!(got.data, b"hello world");
        assert_eq!(recv(&b, 1).err(), Some(SysError::Errno(Errno::EAGAIN)));
        assert_eq!(b.borrow().peer_cred, ME);
        shutdown(&a, 1).unwrap();
        assert_eq!(recv(&b, 1).ok().unwrap().len, 0);
        assert_eq!(
            send(&a, Dest::Peer, msg(b"x"), false),
            Err(Errno::EPIPE.into())
        );
        drop(SocketFile::new(b));
        assert_eq!(a.borrow().readiness() & POLLHUP, POLLHUP);
    }

    #[test]
    fn packets_keep_boundaries_and_truncate() {
        let (a, b) = pair((1, 2), SockType::SeqPacket, ME);
        send(&a, Dest::Peer, msg(b"abcdef"), false).unwrap();
        send(&a, Dest::Peer, msg(b"gh"), false).unwrap();
        let got = b.borrow_mut().recv(4, false, false).ok().unwrap();
        assert_eq!((got.data.as_slice(), got.len), (&b"abcd"[..], 6));
        let got = b.borrow_mut().recv(4, false, false).ok().unwrap();
        assert_eq!(got.data, b"gh");
    }

    #[test]
    fn listener_queues_connections_for_accept() {
        let l = Sock::new(1, Family::Unix, SockType::Stream, ME);
        assert_eq!(l.borrow_mut().listen(5), Err(Errno::EINVAL));
        l.borrow_mut().name = Some(b"\x01\x00\x00abc".to_vec());
        l.borrow_mut().listen(5).unwrap();
        let c = Sock::new(2, Family::Unix, SockType::Stream, ME);
        assert_eq!(l.borrow().readiness() & POLLIN, 0);
        let name = l.borrow().name.clone();
        connect(&c, &l, 3, name, false).unwrap();
        assert_eq!(l.borrow().readiness() & POLLIN, POLLIN);
        let s = l.borrow_mut().accept(false).ok().unwrap();
        assert_eq!(c.borrow().peer_name, l.borrow().name);
        send(&c, Dest::Peer, msg(b"ping"), false).unwrap();
        assert_eq!(recv(&s, 10).ok().unwrap().data, b"ping");
        assert_eq!(
            l.borrow_mut().accept(false).err(),
            Some(SysError::Block { until: None })
        );
    }

    #[test]
    fn closed_unix_peer_fails_writes_at_once() {
        let (c, s) = connected(Family::Unix);
        drop(SocketFile::new(s));
        assert_eq!(
            send(&c, Dest::Peer, msg(b"x"), true),
            Err(Errno::EPIPE.into())
        );
        assert_eq!(recv(&c, 4).ok().unwrap().len, 0);
    }

    #[test]
    fn closed_tcp_peer_sends_fin_then_reset() {
        let (c, s) = connected(Family::Inet);
        assert_eq!(c.borrow().readiness(), POLLOUT | POLLWRNORM);
        drop(SocketFile::new(s));
        assert_eq!(
            c.borrow().readiness(),
            POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM
        );
        assert_eq!(recv(&c, 4).ok().unwrap().len, 0);
        assert_eq!(send(&c, Dest::Peer, msg(b"one"), true), Ok(3));
        assert_eq!(
            send(&c, Dest::Peer, msg(b"two"), true),
            Err(Errno::EPIPE.into())
        );
        assert_eq!(c.borrow().readiness() & POLLHUP, POLLHUP);
    }

    #[test]
    fn tcp_close_with_unread_data_resets() {
        let (c, s) = connected(Family::Inet);
        send(&c, Dest::Peer, msg(b"unread"), true).unwrap();
        drop(SocketFile::new(s));
        assert_eq!(recv(&c, 4).err(), Some(Errno::ECONNRESET.into()));
    }

    #[test]
    fn tcp_shut_rd_is_not_seen_by_the_peer() {
        let (c, s) = connected(Family::Inet);
        shutdown(&s, 0).unwrap();
        assert_eq!(send(&c, Dest::Peer, msg(b"still"), true), Ok(5));
        let (c, s) = connected(Family::Unix);
        shutdown(&s, 0).unwrap();
        assert_eq!(
            send(&c, Dest::Peer, msg(b"x"), true),
            Err(Errno::EPIPE.into())
        );
    }

    #[test]
    fn full_udp_receiver_drops_and_unix_waits() {
        for (family, expect) in [
            (Family::Inet, Ok(4)),
            (Family::Unix, Err(Errno::EAGAIN.into())),
        ] {
            let rx = Sock::new(1, family, SockType::Dgram, ME);
            rx.borrow_mut().rcvbuf = 4;
            let tx = Sock::new(2, family, SockType::Dgram, ME);
            let mut last = Ok(0);
            for _ in 0..DGRAM_QUEUE + 1 {
                last = send(&tx, Dest::To(rx.clone()), msg(b"abcd"), true);
            }
            assert_eq!(last, expect, "{family:?}");
        }
    }

    #[test]
    fn udp_connected_to_nobody_reports_refusal_next() {
        let tx = Sock::new(1, Family::Inet, SockType::Dgram, ME);
        connect_dgram(&tx, None, b"nobody".to_vec()).unwrap();
        assert_eq!(send(&tx, Dest::Peer, msg(b"lost"), true), Ok(4));
        assert_eq!(recv(&tx, 4).err(), Some(Errno::ECONNREFUSED.into()));
        assert_eq!(send(&tx, Dest::Peer, msg(b"lost"), true), Ok(4));
        assert_eq!(
            send(&tx, Dest::Peer, msg(b"lost"), true),
            Err(Errno::ECONNREFUSED.into())
        );
    }
}

//! Internet (IPv4) sockets, loopback only: there is no network yet, so
//! every socket lives on `lo` (127.0.0.0/8, which `INADDR_ANY` means
//! here). TCP connections and UDP datagrams are the shared core's streams
//! and datagrams (`sock.rs`); this file holds `sockaddr_in` and the port
//! table that `bind`, `connect` and `sendto` consult.
//!
//! The port table follows Linux's bind-conflict rule: two sockets may hold
//! one protocol's port when their addresses differ (neither being
//! `INADDR_ANY`), when both set `SO_REUSEPORT`, or when both set
//! `SO_REUSEADDR` and — for TCP — the holder is not listening. An accepted
//! connection holds its listener's port too. Port 0 picks a free port from
//! Linux's default ephemeral range. A closed socket frees its port at
//! once: loopback has no `TIME_WAIT` here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;
use std::rc::{Rc, Weak};

use super::options::{SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT};
use super::sock::{Sock, SockRef};
use crate::abi::errno::Errno;

pub(crate) const AF_UNSPEC: u16 = 0;
pub(crate) const AF_INET: u16 = 2;
/// `sizeof(struct sockaddr_in)`.
pub(crate) const SOCKADDR_IN_SIZE: usize = 16;
/// `net.ipv4.ip_local_port_range`'s default.
const EPHEMERAL: RangeInclusive<u16> = 32768..=60999;
/// Ports below this need privilege (`net.ipv4.ip_unprivileged_port_start`).
const PRIVILEGED_BELOW: u16 = 1024;

/// A decoded `sockaddr_in`: `sin_port` and `sin_addr` (network order in
/// the guest's bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SockAddrIn {
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl SockAddrIn {
    pub const UNBOUND: SockAddrIn = SockAddrIn {
        ip: Ipv4Addr::UNSPECIFIED,
        port: 0,
    };

    /// The `sa_family` of a guest address (`None` when shorter than one).
    pub fn family(b: &[u8]) -> Option<u16> {
        Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
    }

    /// Decodes `b`, `EINVAL` when shorter than a `sockaddr_in`. The family
    /// is left to the caller: `bind`, `connect` and `sendto` each accept
    /// `AF_UNSPEC` differently.
    pub fn parse(b: &[u8]) -> Result<SockAddrIn, Errno> {
        if b.len() < SOCKADDR_IN_SIZE {
            return Err(Errno::EINVAL);
        }
        Ok(SockAddrIn {
            port: u16::from_be_bytes([b[2], b[3]]),
            ip: Ipv4Addr::new(b[4], b[5], b[6], b[7]),
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut b = AF_INET.to_le_bytes().to_vec();
        b.extend_from_slice(&self.port.to_be_bytes());
        b.extend_from_slice(&self.ip.octets());
        b.resize(SOCKADDR_IN_SIZE, 0);
        b
    }

    /// The address as loopback routing sees it: `INADDR_ANY` as a source
    /// or destination is 127.0.0.1.
    pub fn routed(self) -> SockAddrIn {
        if self.ip.is_unspecified() {
            SockAddrIn {
                ip: Ipv4Addr::LOCALHOST,
                ..self
            }
        } else {
            self
        }
    }

    /// Whether a packet to this address stays on this machine (anything
    /// else needs the network the VM does not have yet).
    pub fn is_local(&self) -> bool {
        self.ip.is_loopback() || self.ip.is_unspecified()
    }
}

/// The address a UDP socket named `name` sends from, as its receiver sees
/// it (see [`SockAddrIn::routed`]).
pub(crate) fn source(name: &[u8]) -> Vec<u8> {
    match SockAddrIn::parse(name) {
        Ok(a) => a.routed().emit(),
        Err(_) => name.to_vec(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Proto {
    Tcp,
    Udp,
}

/// A socket holding a port, at an address.
struct Holder {
    ip: Ipv4Addr,
    sock: Weak<RefCell<Sock>>,
}

/// Who holds which port, per protocol.
#[derive(Default)]
pub(crate) struct Ports {
    held: HashMap<(Proto, u16), Vec<Holder>>,
    /// Where the search for the next ephemeral port starts.
    next: u16,
}

impl Ports {
    /// The live sockets holding `port`, with their addresses.
    fn holders(&self, proto: Proto, port: u16) -> impl Iterator<Item = (Ipv4Addr, SockRef)> + '_ {
        self.held
            .get(&(proto, port))
            .into_iter()
            .flatten()
            .filter_map(|h| Some((h.ip, h.sock.upgrade()?)))
    }

    /// Whether `sock` may hold `at` beside the current holders.
    fn may_share(&self, proto: Proto, at: SockAddrIn, sock: &Sock) -> bool {
        let reuse = |s: &Sock| {
            (
                s.options.flag(SOL_SOCKET, SO_REUSEADDR),
                s.options.flag(SOL_SOCKET, SO_REUSEPORT),
            )
        };
        let (addr, port) = reuse(sock);
        self.holders(proto, at.port).all(|(ip, other)| {
            let Ok(other) = other.try_borrow() else {
                return false;
            };
            let overlap = ip == at.ip || ip.is_unspecified() || at.ip.is_unspecified();
            let (other_addr, other_port) = reuse(&other);
            !overlap
                || port && other_port
                || addr && other_addr && (proto == Proto::Udp || !other.is_listening())
        })
    }

    /// Binds `sock` at `at`; port 0 takes a free ephemeral port. Returns
    /// the address bound. `EADDRNOTAVAIL` for an address not on this
    /// machine, `EACCES` for a privileged port without `privileged`,
    /// `EADDRINUSE` when taken.
    pub fn bind(
        &mut self,
        proto: Proto,
        at: SockAddrIn,
        sock: &SockRef,
        privileged: bool,
    ) -> Result<SockAddrIn, Errno> {
        if !at.is_local() {
            return Err(Errno::EADDRNOTAVAIL);
        }
        if at.port != 0 && at.port < PRIVILEGED_BELOW && !privileged {
            return Err(Errno::EACCES);
        }
        let port = match at.port {
            0 => self.ephemeral(proto)?,
            p if self.may_share(proto, at, &sock.borrow()) => p,
            _ => return Err(Errno::EADDRINUSE),
        };
        let at = SockAddrIn { port, ..at };
        self.hold(proto, at, sock);
        Ok(at)
    }

    /// A port of the ephemeral range nobody holds.
    fn ephemeral(&mut self, proto: Proto) -> Result<u16, Errno> {
        let (first, count) = (*EPHEMERAL.start(), EPHEMERAL.len() as u16);
        for _ in 0..count {
            let port = first + self.next % count;
            self.next = self.next.wrapping_add(1) % count;
            if self.holders(proto, port).next().is_none() {
                return Ok(port);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// Records `sock` as holding `at` without a conflict check (an
    /// accepted connection on its listener's port).
    pub fn hold(&mut self, proto: Proto, at: SockAddrIn, sock: &SockRef) {
        let list = self.held.entry((proto, at.port)).or_default();
        list.retain(|h| h.sock.strong_count() > 0);
        list.push(Holder {
            ip: at.ip,
            sock: Rc::downgrade(sock),
        });
    }

    /// The socket that takes what arrives at `to`: one bound to exactly
    /// that address before one bound to `INADDR_ANY`; for TCP only a
    /// listening one.
    pub fn find(&self, proto: Proto, to: SockAddrIn) -> Option<SockRef> {
        let to = to.routed();
        let wanted =
            |s: &SockRef| proto == Proto::Udp || s.try_borrow().is_ok_and(|s| s.is_listening());
        let mut any = None;
        for (ip, sock) in self.holders(proto, to.port) {
            if !wanted(&sock) {
                continue;
            }
            if ip == to.ip {
                return Some(sock);
            }
            if ip.is_unspecified() && any.is_none() {
                any = Some(sock);
            }
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::sock::{Cred, Family, SockType};

    fn tcp() -> SockRef {
        Sock::new(1, Family::Inet, SockType::Stream, Cred::NONE)
    }

    fn at(ip: [u8; 4], port: u16) -> SockAddrIn {
        SockAddrIn {
            ip: Ipv4Addr::from(ip),
            port,
        }
    }

    fn reuse_addr(s: &SockRef) {
        let one = 1i32.to_le_bytes();
        s.borrow_mut()
            .options
            .set(SOL_SOCKET, SO_REUSEADDR, &one)
            .unwrap()
            .unwrap();
    }

    #[test]
    fn sockaddr_in_round_trips() {
        let bytes = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        let a = SockAddrIn::parse(&bytes).unwrap();
        assert_eq!(a, at([127, 0, 0, 1], 8080));
        assert_eq!(a.emit(), bytes);
        assert_eq!(SockAddrIn::parse(&bytes[..15]), Err(Errno::EINVAL));
        assert_eq!(SockAddrIn::family(&bytes), Some(AF_INET));
        assert_eq!(source(&SockAddrIn::UNBOUND.emit())[4..8], [127, 0, 0, 1]);
    }

    #[test]
    fn ports_conflict_unless_reuse_allows() {
        let mut ports = Ports::default();
        let (a, b) = (tcp(), tcp());
        let got = ports
            .bind(Proto::Tcp, at([127, 0, 0, 1], 0), &a, false)
            .unwrap();
        assert!(EPHEMERAL.contains(&got.port));
        let same = at([0, 0, 0, 0], got.port);
        assert_eq!(
            ports.bind(Proto::Tcp, same, &b, false),
            Err(Errno::EADDRINUSE)
        );
        let other_ip = at([127, 0, 0, 2], got.port);
        assert_eq!(ports.bind(Proto::Tcp, other_ip, &b, false), Ok(other_ip));
        drop(b);
        reuse_addr(&a);
        let c = tcp();
        reuse_addr(&c);
        assert_eq!(ports.bind(Proto::Tcp, same, &c, false), Ok(same));
        assert_eq!(
            ports.bind(Proto::Udp, same, &tcp(), false),
            Ok(same),
            "protocols have separate ports"
        );
        assert_eq!(
            ports.bind(Proto::Tcp, at([127, 0, 0, 1], 80), &tcp(), false),
            Err(Errno::EACCES)
        );
        assert_eq!(
            ports.bind(Proto::Tcp, at([10, 0, 0, 1], 5000), &tcp(), true),
            Err(Errno::EADDRNOTAVAIL)
        );
        drop((a, c));
        assert_eq!(ports.bind(Proto::Tcp, same, &tcp(), false), Ok(same));
    }

    #[test]
    fn find_prefers_the_exact_address_and_tcp_wants_a_listener() {
        let mut ports = Ports::default();
        let (any, exact) = (tcp(), tcp());
        for s in [&any, &exact] {
            reuse_addr(s);
        }
        ports
            .bind(Proto::Tcp, at([0, 0, 0, 0], 5000), &any, false)
            .unwrap();
        ports
            .bind(Proto::Tcp, at([127, 0, 0, 1], 5000), &exact, false)
            .unwrap();
        assert!(ports.find(Proto::Tcp, at([127, 0, 0, 1], 5000)).is_none());
        for s in [&any, &exact] {
            let mut s = s.borrow_mut();
            s.name = Some(Vec::new());
            s.listen(1).unwrap();
        }
        let found = ports.find(Proto::Tcp, at([0, 0, 0, 0], 5000)).unwrap();
        assert!(Rc::ptr_eq(&found, &exact));
        let found = ports.find(Proto::Tcp, at([127, 0, 0, 9], 5000)).unwrap();
        assert!(Rc::ptr_eq(&found, &any));
    }
}

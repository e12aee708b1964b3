//! UNIX domain names: `sockaddr_un` and the registry of bound names. The
//! sockets themselves are the shared core (`sock.rs`).
//!
//! [`Names`] keys file-system names by the socket node `bind` created and
//! abstract names by their bytes. Entries are weak, so a closed socket's
//! name is free again (a file-system name still needs its node unlinked,
//! as on Linux).

use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::sock::SockRef;
use crate::abi::errno::Errno;
use crate::vfs::Loc;

pub(crate) const AF_UNIX: u16 = 1;
/// `sizeof(struct sockaddr_un)`.
pub(crate) const SOCKADDR_UN_SIZE: usize = 110;

/// A decoded `sockaddr_un`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Addr {
    /// Only the family (`bind`: pick an abstract name).
    Unnamed,
    Path(Vec<u8>),
    Abstract(Vec<u8>),
}

impl Addr {
    /// Decodes `b`, a guest `sockaddr_un` of the length the guest gave.
    pub fn parse(b: &[u8]) -> Result<Addr, Errno> {
        if !(2..=SOCKADDR_UN_SIZE).contains(&b.len()) || u16::from_le_bytes([b[0], b[1]]) != AF_UNIX
        {
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

    /// The bytes `getsockname` returns: a path ends in NUL, an abstract
    /// name starts with one, an unnamed socket has only the family.
    pub fn emit(&self) -> Vec<u8> {
        let mut b = AF_UNIX.to_le_bytes().to_vec();
        match self {
            Addr::Unnamed => {}
            Addr::Path(p) => {
                b.extend_from_slice(p);
                b.push(0);
            }
            Addr::Abstract(n) => {
                b.push(0);
                b.extend_from_slice(n);
            }
        }
        b
    }
}

/// Where a bound name lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Node(Loc),
    Abstract(Vec<u8>),
}

#[derive(Default)]
pub(crate) struct Names {
    names: HashMap<Key, Weak<std::cell::RefCell<super::sock::Sock>>>,
    /// The next automatic abstract name (`bind` with only a family).
    next_auto: u32,
}

impl Names {
    /// The live socket bound to `key`.
    pub fn lookup(&self, key: &Key) -> Option<SockRef> {
        self.names.get(key).and_then(Weak::upgrade)
    }

    /// Registers `sock` under `key`; `EADDRINUSE` if a live socket has it.
    pub fn bind(&mut self, key: Key, sock: &SockRef) -> Result<(), Errno> {
        if self.lookup(&key).is_some() {
            return Err(Errno::EADDRINUSE);
        }
        self.names.retain(|_, w| w.strong_count() > 0);
        self.names.insert(key, Rc::downgrade(sock));
        Ok(())
    }

    /// A fresh five-hex-digit abstract name, as Linux's autobind makes
    /// (`None` when all are taken).
    pub fn auto_name(&mut self) -> Option<Vec<u8>> {
        (0..=0xfffff).find_map(|_| {
            self.next_auto = (self.next_auto + 1) & 0xfffff;
            let name = format!("{:05x}", self.next_auto).into_bytes();
            self.lookup(&Key::Abstract(name.clone()))
                .is_none()
                .then_some(name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_un_round_trips() {
        let path = b"\x01\x00/tmp/s\x00junk";
        assert_eq!(Addr::parse(path), Ok(Addr::Path(b"/tmp/s".to_vec())));
        assert_eq!(
            Addr::Path(b"/tmp/s".to_vec()).emit(),
            b"\x01\x00/tmp/s\x00".to_vec()
        );
        let abs = b"\x01\x00\x00ab\x00";
        assert_eq!(Addr::parse(abs), Ok(Addr::Abstract(b"ab\x00".to_vec())));
        assert_eq!(Addr::Abstract(b"ab\x00".to_vec()).emit(), abs.to_vec());
        assert_eq!(Addr::parse(b"\x01\x00"), Ok(Addr::Unnamed));
        assert_eq!(Addr::parse(b"\x02\x00/x"), Err(Errno::EINVAL));
        assert_eq!(Addr::parse(b"\x01"), Err(Errno::EINVAL));
    }
}

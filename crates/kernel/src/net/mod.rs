//! Sockets. Only the UNIX domain exists for now (`unix.rs`); other
//! families are refused with `EAFNOSUPPORT` by the system calls
//! (`sys/net.rs`) until the network stack arrives.
//!
//! [`Net`] is the name registry of bound UNIX sockets: file-system names
//! are keyed by the socket node `bind` created, abstract names by their
//! bytes. Entries are weak, so a closed socket's name is free again (a
//! file-system name still needs its node unlinked, as on Linux).

pub(crate) mod unix;

use std::collections::HashMap;
use std::rc::Weak;

use crate::vfs::Loc;
use unix::{Sock, SockRef};

/// Where a bound name lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Node(Loc),
    Abstract(Vec<u8>),
}

#[derive(Default)]
pub(crate) struct Net {
    names: HashMap<Key, Weak<std::cell::RefCell<Sock>>>,
    /// The next automatic abstract name (`bind` with only a family).
    next_auto: u32,
}

impl Net {
    /// The live socket bound to `key`.
    pub fn lookup(&self, key: &Key) -> Option<SockRef> {
        self.names.get(key).and_then(Weak::upgrade)
    }

    /// Registers `sock` under `key`; `EADDRINUSE` if a live socket has it.
    pub fn bind(&mut self, key: Key, sock: &SockRef) -> Result<(), crate::abi::errno::Errno> {
        if self.lookup(&key).is_some() {
            return Err(crate::abi::errno::Errno::EADDRINUSE);
        }
        self.names.retain(|_, w| w.strong_count() > 0);
        self.names.insert(key, std::rc::Rc::downgrade(sock));
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

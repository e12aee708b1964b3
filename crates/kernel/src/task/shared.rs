//! `MAP_SHARED|MAP_ANONYMOUS` memory shared by forked processes.
//!
//! Address spaces copy on write after `fork`, so two processes cannot hold
//! the same frame writable. Instead each shared range keeps a store of its
//! latest bytes, shared (`Rc`) by every address space that inherited the
//! range: a process publishes its copy to the store when its turn ends and
//! adopts the store's bytes before its next turn if another process
//! published since. Only one task runs at a time, so every process sees
//! every write made before it was scheduled — the same guarantee the guest
//! gets from Linux between two system calls. Ranges no one else holds cost
//! nothing; the copy costs the range's size per switch otherwise, which
//! suits the small shared areas (counters, locks, flags) programs use.

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_mem::AddressSpace;

/// The latest bytes of a shared range and their version.
#[derive(Default)]
struct Store {
    bytes: Vec<u8>,
    version: u64,
}

/// One shared range of one address space.
#[derive(Clone)]
pub(crate) struct SharedAnon {
    start: u32,
    len: u32,
    store: Rc<RefCell<Store>>,
    /// The store version this address space holds.
    seen: u64,
}

impl SharedAnon {
    pub fn new(start: u32, len: u32) -> SharedAnon {
        SharedAnon {
            start,
            len,
            store: Rc::default(),
            seen: 0,
        }
    }

    /// True if `[start, start+len)` overlaps this range.
    pub fn overlaps(&self, start: u32, len: u32) -> bool {
        let (a, b) = (
            u64::from(self.start),
            u64::from(self.start) + u64::from(self.len),
        );
        let (c, d) = (u64::from(start), u64::from(start) + u64::from(len));
        a < d && c < b
    }

    fn shared(&self) -> bool {
        Rc::strong_count(&self.store) > 1
    }
}

/// Copies this address space's shared ranges to their stores (end of a turn).
pub(crate) fn publish(space: &mut AddressSpace, ranges: &mut [SharedAnon]) {
    for r in ranges.iter_mut().filter(|r| r.shared()) {
        let mut store = r.store.borrow_mut();
        store.bytes.resize(r.len as usize, 0);
        // A range made inaccessible (PROT_NONE) keeps its last bytes.
        if space.read_bytes(r.start, &mut store.bytes).is_ok() {
            store.version += 1;
            r.seen = store.version;
        }
    }
}

/// Brings this address space's shared ranges up to date (start of a turn),
/// including the last writes of sharers that have exited since.
pub(crate) fn adopt(space: &mut AddressSpace, ranges: &mut [SharedAnon]) {
    for r in ranges.iter_mut() {
        let store = r.store.borrow();
        if r.seen != store.version && !store.bytes.is_empty() {
            // The range is mapped (munmap drops it from the list).
            let _ = space.poke(r.start, &store.bytes);
            r.seen = store.version;
        }
    }
}

#[cfg(test)]
mod tests {
    use tabvm_mem::Prot;

    use super::*;

    #[test]
    fn writes_travel_between_forked_spaces() {
        let mut a = AddressSpace::new();
        a.map_fixed(0x1000, 0x1000, Prot::READ | Prot::WRITE, "")
            .unwrap();
        let mut ra = vec![SharedAnon::new(0x1000, 0x1000)];
        let mut b = a.fork();
        let mut rb = ra.clone();
        a.write_u32(0x1010, 99).unwrap();
        publish(&mut a, &mut ra);
        adopt(&mut b, &mut rb);
        assert_eq!(b.read_u32(0x1010), Ok(99));
        b.write_u32(0x1010, 7).unwrap();
        publish(&mut b, &mut rb);
        drop(rb); // the writer exits before the other runs again
        adopt(&mut a, &mut ra);
        assert_eq!(a.read_u32(0x1010), Ok(7));
        assert!(ra[0].overlaps(0x1fff, 1) && !ra[0].overlaps(0x2000, 0x1000));
    }
}

//! A software TLB: the memory fast path.
//!
//! Each address space keeps two small direct-mapped tables, one for reads and
//! one for writes, from a guest page number to the host address of its frame.
//! A hit is one compare and one host load or store; a miss falls back to the
//! page-table walk in `space.rs`, which refills the entry. Measured on the
//! integer benchmark, the walk (two table levels, an `Option<Rc>` and, for
//! writes, `Rc::get_mut`) cost about a third of the interpreter's time.
//!
//! Frames and tables live in the frame arena (`arena.rs`) so that JIT code,
//! which can only address the arena, walks the very same tables: an entry
//! starts with two little-endian `u32`s, the guest page number and the arena
//! offset of its frame ([`TLB_ENTRIES`] entries of `1 << TLB_ENTRY_SHIFT`
//! bytes, indexed by page number modulo their count). The entry also keeps
//! the frame's host address, so the interpreter's hit costs no more than
//! with plain pointers (the offset alone cost it 8% on `bench/int`). The address space ensures (see [`Tlb::fill`]) that an entry
//! never outlives its frame and that a write entry only exists for a frame
//! no other address space shares. Table and frame bytes are only reached
//! through raw pointers, never Rust references held across an access, so
//! writing through a shared `Rc<Frame>` or `fork(&self)` flushing the
//! parent's write entries is sound.

#![allow(
    unsafe_code,
    reason = "raw frame pointers are the point of a TLB; contract on `fill`"
)]

use std::rc::Rc;

use crate::arena::{Arena, Base, Slot};
use crate::PAGE_SIZE;

/// Entries per table. 256 pages (1 MiB) covers the hot stack, data and heap
/// of the benchmark workloads; more entries made no measurable difference.
pub const TLB_ENTRIES: u32 = 256;
/// Log2 of an entry's size in bytes, the same on every host so generated
/// code is too.
pub const TLB_ENTRY_SHIFT: u32 = 4;
const ENTRIES: usize = TLB_ENTRIES as usize;
/// A page number no 32-bit address has.
const INVALID: u32 = u32::MAX;

/// One guest page of memory: a slot of the arena.
pub(crate) struct Frame(Slot);

impl Frame {
    pub fn zeroed(arena: &Rc<Arena>) -> Frame {
        Frame(Slot::zeroed(arena))
    }

    pub fn bytes(&self) -> &[u8; PAGE_SIZE as usize] {
        self.0.bytes()
    }

    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE as usize] {
        self.0.bytes_mut()
    }
}

impl Clone for Frame {
    fn clone(&self) -> Frame {
        Frame(self.0.duplicate())
    }
}

/// A table entry as it sits in the arena.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Entry {
    page: u32,
    off: u32,
    /// The frame's host address (equal to `off` where the arena is the
    /// engine's memory).
    host: *mut u8,
}

const EMPTY: Entry = Entry {
    page: INVALID,
    off: 0,
    host: std::ptr::null_mut(),
};

/// One direct-mapped table (reads or writes) in an arena slot.
pub(crate) struct Tlb {
    entries: *mut Entry,
    base: Base,
    /// Owns the table's memory; only `entries` reaches its bytes.
    slot: Slot,
}

impl Tlb {
    pub fn new(arena: &Rc<Arena>) -> Tlb {
        const {
            assert!(size_of::<Entry>() == 1 << TLB_ENTRY_SHIFT);
            assert!(ENTRIES * size_of::<Entry>() <= PAGE_SIZE as usize);
        };
        let slot = Slot::zeroed(arena);
        let tlb = Tlb {
            entries: arena.base().at(slot.offset() as usize).cast(),
            base: arena.base(),
            slot,
        };
        tlb.flush();
        tlb
    }

    /// Arena offset of the table (for JIT code, which walks it itself).
    pub fn offset(&self) -> u32 {
        self.slot.offset()
    }

    #[inline(always)]
    fn get(&self, page: u32) -> Entry {
        // SAFETY: the index is below ENTRIES, inside our slot.
        unsafe { self.entries.add(page as usize % ENTRIES).read() }
    }

    #[inline(always)]
    fn set(&self, page: u32, e: Entry) {
        // SAFETY: as in `get`; no reference to the table exists.
        unsafe { self.entries.add(page as usize % ENTRIES).write(e) }
    }

    /// Forgets every entry.
    pub fn flush(&self) {
        for i in 0..TLB_ENTRIES {
            self.set(i, EMPTY);
        }
    }

    /// Forgets the entry of guest page `page`, if cached.
    pub fn flush_page(&self, page: u32) {
        if self.get(page).page == page {
            self.set(page, EMPTY);
        }
    }

    /// Caches `frame` as the memory of guest page `page`.
    ///
    /// # Safety
    /// The caller must flush this entry (or the whole table) before the frame
    /// is dropped or stops being the page's frame, and before the access this
    /// table is for stops being allowed. For a write table the frame must not
    /// be shared with another address space while the entry exists.
    pub unsafe fn fill(&self, page: u32, frame: &Frame) {
        self.set(
            page,
            Entry {
                page,
                off: frame.0.offset(),
                host: self.base.at(frame.0.offset() as usize),
            },
        );
    }

    /// The `N` bytes at `addr` if its page is cached and they do not cross
    /// into the next page.
    #[inline(always)]
    pub fn read<const N: usize>(&self, addr: u32) -> Option<[u8; N]> {
        let e = self.get(addr >> 12);
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if e.page != addr >> 12 || off + N > PAGE_SIZE as usize {
            return None;
        }
        // SAFETY: `fill`'s contract keeps `e.host` pointing at a live frame of
        // PAGE_SIZE bytes, and `off + N` is within it.
        Some(unsafe { e.host.add(off).cast::<[u8; N]>().read() })
    }

    /// Stores `bytes` at `addr` if its page is cached and they do not cross
    /// into the next page; `false` means take the slow path.
    #[inline(always)]
    pub fn write<const N: usize>(&self, addr: u32, bytes: [u8; N]) -> bool {
        let e = self.get(addr >> 12);
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if e.page != addr >> 12 || off + N > PAGE_SIZE as usize {
            return false;
        }
        // SAFETY: as in `read`; the frame is writable and unshared by the
        // contract of `fill` for write tables, and only raw pointers reach its bytes.
        unsafe { e.host.add(off).cast::<[u8; N]>().write(bytes) };
        true
    }
}

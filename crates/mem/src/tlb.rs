//! A software TLB: the memory fast path.
//!
//! Each address space keeps two small direct-mapped tables, one for reads and
//! one for writes, from a guest page number to the host address of its frame.
//! A hit is one compare and one host load or store; a miss falls back to the
//! page-table walk in `space.rs`, which refills the entry. Measured on the
//! integer benchmark, the walk (two table levels, an `Option<Rc>` and, for
//! writes, `Rc::get_mut`) cost about a third of the interpreter's time.
//!
//! Frames keep their bytes in an `UnsafeCell`, so writing through a pointer
//! obtained from a shared `Rc<Frame>` is allowed; the address space ensures
//! (see [`Tlb::fill`]) that an entry never outlives its frame and that a
//! write entry only exists for a frame no other address space shares.
//! Entries are `Cell`s so `fork(&self)` can drop the parent's write entries.

#![allow(
    unsafe_code,
    reason = "raw frame pointers are the point of a TLB; contract on `fill`"
)]

use std::cell::{Cell, UnsafeCell};

use crate::PAGE_SIZE;

/// Entries per table. 256 pages (1 MiB) covers the hot stack, data and heap
/// of the benchmark workloads; more entries made no measurable difference.
const ENTRIES: usize = 256;
/// A page number no 32-bit address has.
const INVALID: u32 = u32::MAX;

/// One guest page of memory. Bytes live in an `UnsafeCell` so that TLB
/// writes through a shared frame pointer are sound.
pub(crate) struct Frame(UnsafeCell<[u8; PAGE_SIZE as usize]>);

impl Frame {
    pub fn zeroed() -> Frame {
        Frame(UnsafeCell::new([0; PAGE_SIZE as usize]))
    }

    pub fn bytes(&self) -> &[u8; PAGE_SIZE as usize] {
        // SAFETY: the engine is single-threaded per address space, and TLB
        // writes happen only inside `Tlb::write`, never while this borrow is
        // alive (no method holding it calls back into the TLB).
        unsafe { &*self.0.get() }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE as usize] {
        self.0.get_mut()
    }

    fn base(&self) -> *mut u8 {
        self.0.get().cast()
    }
}

impl Clone for Frame {
    fn clone(&self) -> Frame {
        Frame(UnsafeCell::new(*self.bytes()))
    }
}

#[derive(Clone, Copy)]
struct Entry {
    page: u32,
    base: *mut u8,
}

const EMPTY: Entry = Entry {
    page: INVALID,
    base: std::ptr::null_mut(),
};

/// One direct-mapped table (reads or writes).
pub(crate) struct Tlb {
    /// A fixed-size array so indexing by `page % ENTRIES` needs no bounds check.
    entries: Box<[Cell<Entry>; ENTRIES]>,
}

impl Tlb {
    pub fn new() -> Tlb {
        Tlb {
            entries: Box::new([const { Cell::new(EMPTY) }; ENTRIES]),
        }
    }

    #[inline(always)]
    fn slot(&self, page: u32) -> &Cell<Entry> {
        &self.entries[page as usize % ENTRIES]
    }

    /// Forgets every entry.
    pub fn flush(&self) {
        for e in self.entries.iter() {
            e.set(EMPTY);
        }
    }

    /// Forgets the entry of guest page `page`, if cached.
    pub fn flush_page(&self, page: u32) {
        let slot = self.slot(page);
        if slot.get().page == page {
            slot.set(EMPTY);
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
        self.slot(page).set(Entry {
            page,
            base: frame.base(),
        });
    }

    /// The `N` bytes at `addr` if its page is cached and they do not cross
    /// into the next page.
    #[inline(always)]
    pub fn read<const N: usize>(&self, addr: u32) -> Option<[u8; N]> {
        let e = self.slot(addr >> 12).get();
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if e.page != addr >> 12 || off + N > PAGE_SIZE as usize {
            return None;
        }
        // SAFETY: `fill`'s contract keeps `base` pointing at a live frame of
        // PAGE_SIZE bytes, and `off + N` is within it.
        Some(unsafe { e.base.add(off).cast::<[u8; N]>().read() })
    }

    /// Stores `bytes` at `addr` if its page is cached and they do not cross
    /// into the next page; `false` means take the slow path.
    #[inline(always)]
    pub fn write<const N: usize>(&self, addr: u32, bytes: [u8; N]) -> bool {
        let e = self.slot(addr >> 12).get();
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if e.page != addr >> 12 || off + N > PAGE_SIZE as usize {
            return false;
        }
        // SAFETY: as in `read`; the frame is writable and unshared by the
        // contract of `fill` for write tables, and its bytes are an UnsafeCell.
        unsafe { e.base.add(off).cast::<[u8; N]>().write(bytes) };
        true
    }
}

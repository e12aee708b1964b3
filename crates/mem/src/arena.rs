//! The frame arena: the one block of memory that guest pages live in.
//!
//! JIT code is WebAssembly and can address nothing but a linear memory, yet
//! it must reach guest bytes through the same page table and TLB as the
//! interpreter (DESIGN rule 2). So frames and TLB tables are not separate
//! Rust allocations but 4 KiB *slots* of an arena that a Wasm module can
//! import as its memory, and a TLB entry names a slot by its *offset* in the
//! arena rather than by a host pointer:
//!
//! - natively (64-bit hosts) the arena is one 4 GiB reservation, the size of
//!   a Wasm32 memory, committed by the OS page by page as slots are first
//!   touched; the JIT host gives it to wasmtime as the modules' memory;
//! - on 32-bit targets, wasm32 above all, the engine's own linear memory is
//!   the arena: a slot is an ordinary heap allocation and its offset is its
//!   address, so the browser's JIT modules import the engine's memory.
//!
//! Each host thread has one arena ([`Arena::current`]); the address spaces
//! made on a thread share it, so frames shared after `fork` and every
//! translation of that thread live in the same memory. Freed slots are
//! reused; the memory is not given back to the OS.

#![allow(
    unsafe_code,
    reason = "slots are raw memory handed out by offset; contracts on `Base::at`"
)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::PAGE_SIZE;

const SLOT: usize = PAGE_SIZE as usize;

thread_local! {
    /// The arena of this host thread (see the module comment).
    static CURRENT: Rc<Arena> = Rc::new(Arena::new());
}

/// Turns slot offsets into host pointers: a copy of the arena's base that a
/// TLB keeps beside its entries.
#[derive(Clone, Copy)]
pub(crate) struct Base(imp::Base);

impl Base {
    /// The host address of byte `off` of the arena.
    ///
    /// The result is only dereferenceable inside a live slot, and only while
    /// the arena that made this `Base` is alive.
    #[inline(always)]
    pub fn at(self, off: usize) -> *mut u8 {
        imp::at(self.0, off)
    }
}

/// Bytes of inaccessible memory after a host reservation. Wasm code may
/// then skip bounds checks of accesses whose constant offset is smaller
/// (generated code uses offsets below 128), as the index is a 32-bit value
/// and the reservation 4 GiB.
pub const HOST_GUARD: usize = 64 << 10;

/// Memory for frames and TLB tables, handed out in 4 KiB slots.
pub struct Arena {
    imp: imp::Arena,
    /// Slots given back, reused before the arena grows.
    free: RefCell<Vec<u32>>,
    /// Slots in use, for statistics and tests.
    used: Cell<usize>,
}

impl Arena {
    fn new() -> Arena {
        Arena {
            imp: imp::Arena::new(),
            free: RefCell::new(Vec::new()),
            used: Cell::new(0),
        }
    }

    /// The arena of the calling thread.
    pub fn current() -> Rc<Arena> {
        CURRENT.with(Rc::clone)
    }

    pub(crate) fn base(&self) -> Base {
        Base(self.imp.base())
    }

    /// A slot with unspecified contents.
    pub(crate) fn alloc(&self) -> u32 {
        self.used.set(self.used.get() + 1);
        self.free
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| self.imp.grow())
    }

    /// A slot filled with zeros.
    pub(crate) fn alloc_zeroed(&self) -> u32 {
        let off = self.alloc();
        // SAFETY: `off` is a slot we just handed out, so nothing else refers
        // to its bytes.
        unsafe { self.base().at(off as usize).write_bytes(0, SLOT) };
        off
    }

    /// Gives a slot back. Nothing may use its bytes afterwards.
    pub(crate) fn free(&self, off: u32) {
        self.used.set(self.used.get() - 1);
        self.free.borrow_mut().push(off);
    }

    /// Number of slots in use (frames and TLB tables).
    pub fn slots_in_use(&self) -> usize {
        self.used.get()
    }

    /// The host address of the arena's first byte and its size: what the
    /// native JIT host maps as the modules' linear memory. `None` where the
    /// arena is the engine's own linear memory (offsets are addresses).
    /// [`HOST_GUARD`] inaccessible bytes follow the arena.
    pub fn host_memory(&self) -> Option<(*mut u8, usize)> {
        self.imp.host_memory()
    }
}

/// One slot, given back to its arena when dropped: the memory of a frame,
/// or of anything else that generated code must reach (the JIT context).
pub struct Slot {
    off: u32,
    arena: Rc<Arena>,
}

impl Slot {
    /// A zero-filled slot of `arena`.
    pub fn zeroed(arena: &Rc<Arena>) -> Slot {
        Slot {
            off: arena.alloc_zeroed(),
            arena: Rc::clone(arena),
        }
    }

    /// A slot of the same arena holding a copy of this one's bytes.
    pub fn duplicate(&self) -> Slot {
        let mut copy = Slot {
            off: self.arena.alloc(),
            arena: Rc::clone(&self.arena),
        };
        copy.bytes_mut().copy_from_slice(self.bytes());
        copy
    }

    /// Offset of the slot in the arena: its address for generated code.
    pub fn offset(&self) -> u32 {
        self.off
    }

    pub fn bytes(&self) -> &[u8; SLOT] {
        // SAFETY: the slot is ours while `self` lives. The engine is
        // single-threaded per arena, and other writers (TLB hits, JIT code)
        // never run while this borrow is alive: no method holding it calls
        // back into them.
        unsafe { &*self.arena.base().at(self.off as usize).cast() }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8; SLOT] {
        // SAFETY: as in `bytes`, and `&mut self` excludes other borrows.
        unsafe { &mut *self.arena.base().at(self.off as usize).cast() }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.arena.free(self.off);
    }
}

#[cfg(target_pointer_width = "64")]
mod imp {
    //! One 4 GiB reservation; offsets are from its start.

    use std::cell::Cell;
    use std::ptr::NonNull;

    use super::{HOST_GUARD, SLOT};

    /// A Wasm32 memory's size: every offset fits in a `u32`.
    const SIZE: usize = 1 << 32;

    pub type Base = NonNull<u8>;

    #[inline(always)]
    pub fn at(base: Base, off: usize) -> *mut u8 {
        // SAFETY: callers pass offsets below SIZE (slot offsets plus an
        // in-page offset), which are within the reservation.
        unsafe { base.as_ptr().add(off) }
    }

    pub struct Arena {
        base: NonNull<u8>,
        /// Offset of the first slot never handed out.
        top: Cell<usize>,
    }

    impl Arena {
        pub fn new() -> Arena {
            // A private anonymous mapping: the kernel commits (and zeroes) a
            // page only when a slot first touches it. The allocator's
            // `alloc_zeroed` is no substitute: for page alignment it zeroes
            // the whole 4 GiB itself, which cost seconds at every start.
            // SAFETY: a fresh mapping at an address of the kernel's choice
            // aliases nothing.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    SIZE + HOST_GUARD,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            assert!(
                base != libc::MAP_FAILED,
                "cannot reserve the 4 GiB frame arena: {}",
                std::io::Error::last_os_error()
            );
            // SAFETY: the guard is the tail of the mapping just made.
            let guarded = unsafe {
                libc::mprotect(
                    base.cast::<u8>().add(SIZE).cast(),
                    HOST_GUARD,
                    libc::PROT_NONE,
                )
            };
            assert!(guarded == 0, "cannot protect the frame arena's guard");
            Arena {
                base: NonNull::new(base.cast()).expect("mmap does not return null"),
                top: Cell::new(0),
            }
        }

        pub fn base(&self) -> Base {
            self.base
        }

        pub fn grow(&self) -> u32 {
            let off = self.top.get();
            // A limit, not a bug: a 32-bit guest memory cannot hold more.
            assert!(off < SIZE, "guest memory exhausted: 4 GiB of pages in use");
            self.top.set(off + SLOT);
            off as u32
        }

        pub fn host_memory(&self) -> Option<(*mut u8, usize)> {
            Some((self.base.as_ptr(), SIZE))
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            // SAFETY: mapped in `new` with this size; no slot outlives the arena.
            unsafe { libc::munmap(self.base.as_ptr().cast(), SIZE + HOST_GUARD) };
        }
    }
}

#[cfg(not(target_pointer_width = "64"))]
mod imp {
    //! The heap is the arena: slots are allocations, offsets their addresses.

    use std::alloc::{alloc, handle_alloc_error, Layout};

    use super::SLOT;

    pub type Base = ();

    #[inline(always)]
    pub fn at((): Base, off: usize) -> *mut u8 {
        std::ptr::with_exposed_provenance_mut(off)
    }

    pub struct Arena;

    impl Arena {
        pub fn new() -> Arena {
            Arena
        }

        pub fn base(&self) -> Base {}

        /// Freed slots stay on the arena's free list (so they are never
        /// deallocated), exactly as in the native reservation.
        pub fn grow(&self) -> u32 {
            let layout = Layout::from_size_align(SLOT, SLOT).expect("a page is a valid layout");
            // SAFETY: the layout has a non-zero size.
            let p = unsafe { alloc(layout) };
            if p.is_null() {
                handle_alloc_error(layout);
            }
            p.expose_provenance() as u32
        }

        pub fn host_memory(&self) -> Option<(*mut u8, usize)> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_zeroed_on_request() {
        let arena = Arena::current();
        let before = arena.slots_in_use();
        let a = arena.alloc_zeroed();
        // SAFETY: `a` is a live slot of this arena.
        unsafe { arena.base().at(a as usize + 5).write(9) };
        arena.free(a);
        let b = arena.alloc_zeroed();
        assert_eq!(b, a, "a freed slot is reused first");
        // SAFETY: as above.
        assert_eq!(unsafe { arena.base().at(b as usize + 5).read() }, 0);
        assert_eq!(arena.slots_in_use(), before + 1);
        arena.free(b);
    }
}

//! Guest address spaces for tabvm.
//!
//! This crate owns everything about *where guest bytes live*: a two-level page
//! table per address space over reference-counted 4 KiB frames, the list of
//! mapping regions (what `mmap` created, with its protection), demand-zero
//! population, copy-on-write after [`AddressSpace::fork`], and the one slow path
//! that turns a bad access into a [`Fault`] (DESIGN rule 2).
//!
//! It knows nothing of x86 instructions, Linux processes or files: the kernel
//! decides *what* to map (ELF segments, stacks, `brk`), the CPU decides *when* to
//! read or write. File-backed private mappings are populated by the kernel with
//! [`AddressSpace::poke`].
//!
//! ```
//! use tabvm_mem::{AddressSpace, Prot};
//! let mut mm = AddressSpace::new();
//! let at = mm.map_anywhere(8192, Prot::READ | Prot::WRITE, "anon").unwrap();
//! mm.write_u32(at + 4094, 0xdead_beef).unwrap(); // crosses a page boundary
//! assert_eq!(mm.read_u32(at + 4094).unwrap(), 0xdead_beef);
//! let mut child = mm.fork();
//! child.write_u8(at, 7).unwrap(); // copy-on-write: the parent keeps 0
//! assert_eq!(mm.read_u8(at).unwrap(), 0);
//! ```

mod arena;
mod fault;
mod region;
mod space;
mod tlb;

pub use arena::{Arena, Slot, HOST_GUARD};
pub use fault::{Access, Fault, FaultKind};
pub use region::{MapError, Prot, Region};
pub use space::AddressSpace;
pub use tlb::{TLB_ENTRIES, TLB_ENTRY_SHIFT};

/// Size of a guest page and of a frame.
pub const PAGE_SIZE: u32 = 4096;

/// Rounds `x` up to a page boundary, saturating at the top of the 32-bit space.
pub fn page_align_up(x: u32) -> u32 {
    x.checked_add(PAGE_SIZE - 1)
        .map_or(!(PAGE_SIZE - 1), |v| v & !(PAGE_SIZE - 1))
}

/// Rounds `x` down to a page boundary.
pub fn page_align_down(x: u32) -> u32 {
    x & !(PAGE_SIZE - 1)
}

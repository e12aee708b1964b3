//! The i386 CPU of tabvm: architectural state, a cache of decoded basic
//! blocks, and the interpreter that runs them.
//!
//! The CPU knows nothing of Linux. [`Cpu::run`] executes guest code against an
//! [`AddressSpace`] until something needs the kernel and reports it as an
//! [`Exit`]: a system call, a fault, or an exhausted budget. At every exit the
//! registers and flags are exactly those of the instruction boundary (DESIGN
//! rule 5), so the kernel can build a signal frame or restart a system call.
//!
//! Instructions are decoded by iced-x86 once per basic block and cached in a
//! [`BlockCache`] that belongs to the address space (threads share it).
//! CPUID reports exactly the features implemented here.
//!
//! ```no_run
//! use tabvm_cpu::{BlockCache, Cpu, Exit};
//! use tabvm_mem::AddressSpace;
//! let (mut cpu, mut mem, mut cache) = (Cpu::new(), AddressSpace::new(), BlockCache::new());
//! match cpu.run(&mut mem, &mut cache, 10_000) {
//!     Exit::Syscall => { /* eax holds the number, eip is past `int 0x80` */ }
//!     other => println!("{other:?}"),
//! }
//! ```

mod exit;
mod state;
mod x87;

pub use exit::Exit;
pub use state::{Cpu, Reg, Segment, TlsDescriptor};
pub use x87::Fpu;
mod cache;
pub use cache::BlockCache;

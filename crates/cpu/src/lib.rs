//! The i386 CPU of tabvm: architectural state, a cache of decoded basic
//! blocks, and the interpreter that runs them.
//!
//! The CPU knows nothing of Linux. [`Cpu::run`] executes guest code against an
//! [`AddressSpace`](tabvm_mem::AddressSpace) until something needs the kernel
//! and reports it as an [`Exit`]: a system call, a fault, or an exhausted
//! budget. At every exit the registers and flags are exactly those of the
//! instruction boundary (DESIGN rule 5), so the kernel can build a signal
//! frame or restart a system call. It must not touch guest memory except
//! through `AddressSpace` accesses (one memory path, DESIGN rule 2), and it
//! never panics on guest input: bad code is an exit.
//!
//! A tour of the modules:
//!
//! - `state`: the public register file ([`Cpu`]), segments and TLS entries.
//! - `flags`: lazy arithmetic flags; `eflags()`/`set_eflags()` are exact.
//! - `cache`: decoded basic blocks per address space ([`BlockCache`]), found
//!   by `eip`, dropped when their pages are written or remapped.
//! - `fast`: pre-decoded instructions (`Op`) and specialised
//!   handlers for the hot 32-bit forms.
//! - `exec`: the run loop and the generic dispatcher by mnemonic.
//! - `jit`: when blocks are translated to Wasm (`tabvm-jit`) and how the
//!   run loop calls them; off unless a front end installs an engine.
//! - `interp/`: handlers by topic — `alu`, `muldiv`, `shift`, `bits`,
//!   `string`, `data`, `stack`, `control`, `misc` (flags, BCD).
//! - `operand`: effective addresses and sized operand access.
//! - `cpuid`: identification; reports exactly what is implemented
//!   (GenuineIntel family 6, FPU TSC CX8 CMOV CLFSH MMX FXSR SSE SSE2 SSE3
//!   SSSE3).
//! - `x87/`: the floating-point unit, entered from the dispatcher for any
//!   instruction the integer part does not know; its [`Fpu`] also holds the
//!   SSE registers.
//! - `simd/`: MMX, SSE, SSE2, SSE3, SSSE3, `fxsave`/`fxrstor`, MXCSR; tried
//!   after the x87.
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

mod cache;
mod cpuid;
mod exec;
mod exit;
mod fast;
mod flags;
mod interp;
mod jit;
mod operand;
mod simd;
mod state;
mod x87;

pub use cache::{mnemonic_name, BlockCache};
pub use cpuid::{FEATURES_ECX as CPUID_FEATURES_ECX, FEATURES_EDX as CPUID_FEATURES_EDX};
pub use exit::Exit;
pub use jit::{install_jit, remove_jit, JitMode};
pub use state::{Cpu, Reg, Segment, TlsDescriptor, TLS_FIRST_ENTRY, USER_CS, USER_DS};
pub use x87::{Fpu, FXSAVE_SIZE};

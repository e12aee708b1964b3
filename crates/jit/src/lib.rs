//! Translation of hot guest code to WebAssembly (DESIGN "Execution").
//!
//! The CPU's run loop counts how often each decoded basic block runs; a hot
//! block is handed to [`translate`], which emits a Wasm module in the
//! shape described in `translate.rs`: guest registers in Wasm locals, loads
//! and stores through an inlined walk of the address space's TLB (the same
//! tables the interpreter reads, living in the frame arena the module
//! imports as its memory — `tabvm_mem::Arena`), lazy flags computed only
//! where read, a block that branches to itself looping inside Wasm. Every
//! exit leaves precise state in the [`abi::Context`] (DESIGN rule 5).
//!
//! The same bytes run everywhere: natively in wasmtime (the `wasmtime`
//! feature, [`WasmtimeEngine`]), in the browser by the engine's own
//! WebAssembly (later). Both are an [`Engine`]. This crate knows x86
//! instructions as iced-x86 decodes them and the memory layout `tabvm-mem`
//! gives it; it knows nothing of the interpreter, which owns the decision
//! of what to translate and when.
//!
//! A tour: `abi` (the module contract), `emit` (the code-generation
//! vocabulary over one function), `flags` (lazy flags in locals),
//! `translate` (instructions and module assembly), `wasmtime_engine`.
//!
//! ```
//! use iced_x86::{Decoder, DecoderOptions};
//! // add eax, ecx; jmp back
//! let code = [0x01, 0xc8, 0xeb, 0xfc];
//! let insns: Vec<_> = Decoder::with_ip(32, &code, 0x1000, DecoderOptions::NONE)
//!     .into_iter()
//!     .collect();
//! let wasm = tabvm_jit::translate(&[&insns]).unwrap();
//! assert_eq!(&wasm[..4], b"\0asm");
//! ```

pub mod abi;
mod emit;
mod flags;
mod translate;
#[cfg(all(feature = "wasmtime", not(target_arch = "wasm32")))]
mod wasmtime_engine;

pub use translate::{successors, translatable, translate, Refusal, MAX_REGION_BLOCKS};
#[cfg(all(feature = "wasmtime", not(target_arch = "wasm32")))]
pub use wasmtime_engine::{CompileStats, WasmtimeEngine};

/// Something that runs generated modules.
pub trait Engine {
    /// Compiles and instantiates a module from [`translate`]; the returned
    /// id names its `run` function. An error is a bug in the translator (an
    /// invalid module) or a resource limit; the caller interprets instead.
    fn load(&mut self, wasm: &[u8]) -> Result<u32, String>;

    /// Calls `run(ctx)` of module `id` and returns its exit code.
    fn call(&mut self, id: u32, ctx: u32) -> u32;

    /// Frees every module loaded so far; ids count from 0 again. The caller
    /// forgets all ids first (its code budget is spent). An error means the
    /// engine cannot go on, and the caller interprets from then on.
    fn flush(&mut self) -> Result<(), String>;
}

//! The native host of generated modules: wasmtime with Cranelift.
//!
//! The modules' memory is the frame arena itself: a wasmtime
//! [`MemoryCreator`] hands wasmtime the arena's 4 GiB reservation as the
//! memory a one-line holder module defines and exports, which every
//! translated module then imports, so Wasm offsets are arena offsets
//! and JIT code reads the very frames and TLB tables the interpreter does.
//! The arena is a 4 GiB reservation followed by a guard, so Cranelift
//! needs no bounds checks (a 32-bit index plus a small offset cannot leave
//! it); a fault in the guard would be a translator bug, which wasmtime's
//! signal handler turns into a trap.
//!
//! A `Store` keeps every instance until it is dropped, so modules are freed
//! all at once: [`flush`](crate::Engine::flush) starts a new store.

#![allow(
    unsafe_code,
    reason = "wasmtime's host-memory traits are unsafe; contract on ArenaMemory"
)]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasm_encoder::{ExportKind, ExportSection, MemorySection};
use wasmtime::{
    Config, Engine as Wasmtime, Instance, LinearMemory, Memory, MemoryCreator, MemoryType, Module,
    Store, TypedFunc,
};

use tabvm_mem::{Arena, HOST_GUARD};

/// The arena as wasmtime sees it: fixed size, never moving.
struct ArenaMemory {
    /// The arena's base address (a pointer kept as an integer so the type
    /// is `Send + Sync`, as wasmtime requires).
    base: usize,
    len: usize,
}

// SAFETY: `base..base + len` is the arena's reservation, which outlives the
// engine (the engine holds an `Rc` of the arena) and never moves; its size
// never changes, so `grow_to` only accepts the current size.
unsafe impl LinearMemory for ArenaMemory {
    fn byte_size(&self) -> usize {
        self.len
    }
    fn byte_capacity(&self) -> usize {
        self.len
    }
    fn grow_to(&mut self, new_size: usize) -> wasmtime::Result<()> {
        if new_size <= self.len {
            Ok(())
        } else {
            Err(wasmtime::format_err!("the frame arena does not grow"))
        }
    }
    fn as_ptr(&self) -> *mut u8 {
        self.base as *mut u8
    }
}

struct ArenaCreator {
    base: usize,
    len: usize,
}

// SAFETY: every memory created is a view of the same arena, which is only
// ever used by one engine on one thread; see `ArenaMemory`.
unsafe impl MemoryCreator for ArenaCreator {
    fn new_memory(
        &self,
        _ty: MemoryType,
        minimum: usize,
        _maximum: Option<usize>,
        reserved: Option<usize>,
        guard: usize,
    ) -> Result<Box<dyn LinearMemory>, String> {
        if minimum > self.len || reserved.is_some_and(|r| r > self.len) || guard > HOST_GUARD {
            return Err(format!(
                "arena memory cannot serve {minimum} bytes (reserve {reserved:?}, guard {guard})"
            ));
        }
        Ok(Box::new(ArenaMemory {
            base: self.base,
            len: self.len,
        }))
    }
}

/// What an engine has compiled so far (for `TABVM_STATS` and `bench/`).
#[derive(Debug, Default)]
pub struct CompileStats {
    pub modules: Cell<u64>,
    /// Wasm bytes compiled.
    pub bytes: Cell<u64>,
    /// Time spent compiling and instantiating.
    pub time: Cell<Duration>,
}

impl std::fmt::Display for CompileStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} modules ({} KB of Wasm) compiled in {} ms",
            self.modules.get(),
            self.bytes.get() / 1000,
            self.time.get().as_millis()
        )
    }
}

/// Runs modules from [`translate`](crate::translate) against the frame
/// arena of the calling thread.
pub struct WasmtimeEngine {
    stats: Rc<CompileStats>,
    store: Store<()>,
    memory: Memory,
    funcs: Vec<TypedFunc<u32, u32>>,
    /// The holder of the arena memory, instantiated anew by each flush.
    holder: Module,
    /// Keeps the arena (and so the memory wasmtime was given) alive.
    _arena: Rc<Arena>,
}

impl WasmtimeEngine {
    /// An engine over the current thread's arena; `Err` if wasmtime cannot
    /// be set up on this host (the caller then interprets only).
    pub fn new() -> Result<WasmtimeEngine, String> {
        let arena = Arena::current();
        let (base, len) = arena
            .host_memory()
            .ok_or("the frame arena is not a host reservation")?;
        let mut config = Config::new();
        config
            .memory_reservation(len as u64)
            .memory_guard_size(HOST_GUARD as u64)
            .memory_reservation_for_growth(0)
            .memory_may_move(false)
            .with_host_memory(Arc::new(ArenaCreator {
                base: base as usize,
                len,
            }));
        let engine = Wasmtime::new(&config).map_err(|e| e.to_string())?;
        // wasmtime asks the creator only for memories a module defines (not
        // for `Memory::new`), so a module of one exported memory makes it.
        let pages = (len >> 16) as u64; // 64 KiB Wasm pages
        let mut memories = MemorySection::new();
        memories.memory(wasm_encoder::MemoryType {
            minimum: pages,
            maximum: Some(pages),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        let mut holder = wasm_encoder::Module::new();
        holder.section(&memories).section(&exports);
        let holder = Module::new(&engine, holder.finish()).map_err(|e| e.to_string())?;
        let (store, memory) = Self::store(&holder)?;
        if memory.data_ptr(&store) != base {
            return Err("wasmtime did not take the frame arena as its memory".into());
        }
        Ok(WasmtimeEngine {
            stats: Rc::default(),
            store,
            memory,
            funcs: Vec::new(),
            holder,
            _arena: arena,
        })
    }

    /// The engine's counters, shared so they can be read after the engine
    /// was handed over.
    pub fn stats(&self) -> Rc<CompileStats> {
        Rc::clone(&self.stats)
    }

    /// A store holding only the arena memory.
    fn store(holder: &Module) -> Result<(Store<()>, Memory), String> {
        let mut store = Store::new(holder.engine(), ());
        let memory = Instance::new(&mut store, holder, &[])
            .and_then(|i| {
                i.get_memory(&mut store, "memory")
                    .ok_or_else(|| wasmtime::format_err!("no memory export"))
            })
            .map_err(|e| e.to_string())?;
        Ok((store, memory))
    }
}

impl crate::Engine for WasmtimeEngine {
    fn load(&mut self, wasm: &[u8]) -> Result<u32, String> {
        let start = Instant::now();
        let module = Module::new(self.store.engine(), wasm).map_err(|e| e.to_string())?;
        let instance = Instance::new(&mut self.store, &module, &[self.memory.into()])
            .map_err(|e| e.to_string())?;
        let run = instance
            .get_typed_func::<u32, u32>(&mut self.store, "run")
            .map_err(|e| e.to_string())?;
        self.funcs.push(run);
        let stats = &self.stats;
        stats.modules.set(stats.modules.get() + 1);
        stats.bytes.set(stats.bytes.get() + wasm.len() as u64);
        stats.time.set(stats.time.get() + start.elapsed());
        Ok(self.funcs.len() as u32 - 1)
    }

    fn call(&mut self, id: u32, ctx: u32) -> u32 {
        // Translated code has no trapping instruction: every access is within
        // an arena slot (the TLB walk checks page crossings), so a trap is a
        // translator bug.
        self.funcs[id as usize]
            .call(&mut self.store, ctx)
            .unwrap_or_else(|e| panic!("translated code trapped (translator bug): {e}"))
    }

    fn flush(&mut self) -> Result<(), String> {
        // A store frees its instances only when dropped: replace it.
        let (store, memory) = Self::store(&self.holder)?;
        self.store = store;
        self.memory = memory;
        self.funcs.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use iced_x86::{Decoder, DecoderOptions};
    use tabvm_mem::Slot;

    use super::*;
    use crate::abi::Context;
    use crate::Engine;

    /// `add eax, ecx` then `jmp` elsewhere: leaves with eax + ecx in eax.
    fn adder() -> Vec<u8> {
        let code = [0x01, 0xc8, 0xe9, 0x00, 0x10, 0x00, 0x00];
        let insns: Vec<_> = Decoder::with_ip(32, &code, 0x1000, DecoderOptions::NONE)
            .into_iter()
            .collect();
        crate::translate(&[&insns]).expect("translates")
    }

    fn run(engine: &mut WasmtimeEngine, id: u32, ctx: &mut Slot) -> u32 {
        let mut c = Context {
            budget: 100,
            ..Context::default()
        };
        c.regs[0] = 40;
        c.regs[1] = 2;
        c.store(ctx.bytes_mut());
        engine.call(id, ctx.offset());
        Context::load(ctx.bytes()).regs[0]
    }

    #[test]
    fn a_flush_frees_modules_and_restarts_ids() {
        let mut engine = WasmtimeEngine::new().expect("wasmtime engine");
        let mut ctx = Slot::zeroed(&Arena::current());
        let wasm = adder();
        assert_eq!(engine.load(&wasm), Ok(0));
        assert_eq!(engine.load(&wasm), Ok(1));
        assert_eq!(run(&mut engine, 1, &mut ctx), 42);
        engine.flush().expect("flush");
        assert_eq!(engine.load(&wasm), Ok(0));
        assert_eq!(run(&mut engine, 0, &mut ctx), 42);
    }
}

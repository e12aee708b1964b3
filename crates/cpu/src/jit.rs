//! The interpreter's side of the JIT: which code to translate, and how the
//! run loop calls translated code.
//!
//! Each block counts its executions ([`Translation`]); at [`HOT`] (or at
//! once in [`JitMode::Force`]) the block becomes the entry of a region —
//! itself and the blocks it reaches by direct branches within its pages —
//! which `tabvm_jit::translate` turns into a module for the installed
//! [`Engine`]. A block whose region cannot be translated is never offered
//! again, and so is one whose translated code, on probation, leaves too
//! soon to pay for the calls ([`PROBATION`]). Translations live and die with
//! their blocks, so a write to a code page drops them exactly as it drops
//! decoded blocks; modules are shared by identical bytes (every process
//! running the same binary) and freed all at once when the code budget is
//! spent ([`CODE_BUDGET`]).
//!
//! Calling translated code copies the state the module needs into a
//! `Context` in the frame arena (the module's memory) and back afterwards;
//! lazy flags pass unchanged (`FlagOp` has the module's codes). When the
//! module stops before an instruction that needs the full memory path, the
//! run loop interprets one block from there before entering translated
//! code again.
//!
//! The engine is installed per host thread ([`install_jit`]) by the front
//! end; the arena it serves is that thread's.

use std::cell::RefCell;
use std::collections::HashMap;

use iced_x86::Instruction;
use tabvm_jit::abi::{exit, Context};
use tabvm_jit::Engine;
use tabvm_mem::{AddressSpace, Arena, Slot};

use crate::cache::{decode_insns, Block};
use crate::flags::FlagOp;
use crate::state::Cpu;

/// Executions after which a block is translated. Compiling a region costs
/// a few milliseconds (Cranelift, about 5 KB of Wasm), which it repays only
/// after tens of thousands of runs: at 2,000, `python3 -c` of a 0.3 s
/// loop compiled 640 regions and ran twice as long as interpreted; at
/// 20,000 it compiles 120 and runs a third faster.
const HOT: u32 = 20000;

/// Wasm bytes loaded before the engine is flushed and hot code translated
/// anew (as qemu empties its code buffer when full): about 3,000 regions,
/// a few hundred MB of compiled code and metadata in wasmtime.
const CODE_BUDGET: usize = 8 << 20;

/// Calls of a new translation before it is judged, and the fewest
/// instructions a call must retire on average to keep it. Entering and
/// leaving translated code costs about as much as interpreting a dozen
/// instructions, so a region left almost at once (its hot path runs on in
/// interpreted code, or its stores keep missing the TLB) is slower than the
/// interpreter: `bench/fasta` ran 15% slower before this rule.
const PROBATION: u32 = 256;
const MIN_RETIRED_PER_CALL: u32 = 16;

/// Most blocks in a region when every block is translated: each block is
/// then an entry, and full regions would compile most code dozens of times
/// (the Debian suite's gcc runs took minutes).
const FORCED_REGION_BLOCKS: usize = 4;

/// When blocks are translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JitMode {
    /// Never: the interpreter runs everything.
    Off,
    /// Blocks that have run [`HOT`] times.
    On,
    /// Every block, on its first execution (for testing the translator).
    Force,
}

impl JitMode {
    /// Parses `off`, `on` or `force` (the CLI's `TABVM_JIT`).
    pub fn parse(s: &str) -> Option<JitMode> {
        match s {
            "off" => Some(JitMode::Off),
            "on" => Some(JitMode::On),
            "force" => Some(JitMode::Force),
            _ => None,
        }
    }
}

/// A block's JIT state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Translation {
    /// Run this many times so far.
    Cold(u32),
    /// Translated: the engine's id for its module, valid while the JIT's
    /// generation (flushes so far) is the one given.
    Compiled {
        id: u32,
        generation: u32,
        probation: Option<Probation>,
    },
    /// Not translatable (or failed to load): the interpreter keeps it.
    Refused,
}

/// How a new translation has done so far (see [`PROBATION`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Probation {
    calls: u32,
    retired: u32,
}

impl Default for Translation {
    fn default() -> Self {
        Translation::Cold(0)
    }
}

/// The installed JIT of this thread.
pub(crate) struct Jit {
    threshold: u32,
    engine: Box<dyn Engine>,
    /// The context translated code reads and writes.
    ctx: Slot,
    /// The last translated run stopped for the slow path: interpret the
    /// next block.
    interpret_next: bool,
    /// Engine flushes so far: translations of older generations are gone.
    generation: u32,
    /// Wasm bytes loaded since the last flush.
    loaded: usize,
    /// The modules loaded since the last flush, by their bytes.
    modules: HashMap<Vec<u8>, u32>,
    /// Whether new translations are on probation (not when forced: tests
    /// want translated code to keep running).
    judge: bool,
    /// Most blocks per region.
    region_blocks: usize,
}

thread_local! {
    /// Taken out by `Cpu::run` for the duration of a run.
    static INSTALLED: RefCell<Option<Jit>> = const { RefCell::new(None) };
}

/// Installs `engine` to run translated code on this thread (with
/// [`JitMode::Off`], the same as [`remove_jit`]).
pub fn install_jit(mode: JitMode, engine: Box<dyn Engine>) {
    let threshold = match mode {
        JitMode::Off => return remove_jit(),
        JitMode::On => HOT,
        JitMode::Force => 0,
    };
    let jit = Jit {
        threshold,
        engine,
        ctx: Slot::zeroed(&Arena::current()),
        interpret_next: false,
        generation: 0,
        loaded: 0,
        modules: HashMap::new(),
        judge: mode == JitMode::On,
        region_blocks: match mode {
            JitMode::Force => FORCED_REGION_BLOCKS,
            _ => tabvm_jit::MAX_REGION_BLOCKS,
        },
    };
    INSTALLED.with(|j| *j.borrow_mut() = Some(jit));
}

/// Stops translating on this thread; translated blocks are interpreted.
pub fn remove_jit() {
    INSTALLED.with(|j| j.borrow_mut().take());
}

pub(crate) fn take() -> Option<Jit> {
    INSTALLED.with(|j| j.borrow_mut().take())
}

pub(crate) fn put_back(jit: Jit) {
    INSTALLED.with(|j| *j.borrow_mut() = Some(jit));
}

/// What the run loop does with a block.
pub(crate) enum Visit {
    Interpret,
    /// Translated code ran and retired this many instructions; `eip` and
    /// everything else are at the boundary it stopped at.
    Ran(u32),
}

impl Jit {
    /// Runs `block` as translated code if it is (or now becomes) translated.
    #[inline(never)]
    pub(crate) fn visit(
        &mut self,
        cpu: &mut Cpu,
        mem: &mut AddressSpace,
        block: &Block,
        left: i64,
    ) -> Visit {
        if std::mem::take(&mut self.interpret_next) || block.count as i64 > left {
            return Visit::Interpret;
        }
        let (id, mut probation) = match block.jit.get() {
            Translation::Compiled {
                id,
                generation,
                probation,
            } if generation == self.generation => (id, probation),
            Translation::Refused => return Visit::Interpret,
            Translation::Cold(n) if n < self.threshold => {
                block.jit.set(Translation::Cold(n + 1));
                return Visit::Interpret;
            }
            // Hot, or translated before a flush.
            Translation::Cold(_) | Translation::Compiled { .. } => match self.translate(mem, block)
            {
                Some(id) => (id, self.judge.then_some(Probation::default())),
                None => return Visit::Interpret,
            },
        };
        let done = self.call(cpu, mem, id, left);
        if let Some(p) = &mut probation {
            p.calls += 1;
            p.retired = p.retired.saturating_add(done);
            if p.calls == PROBATION {
                if p.retired < PROBATION * MIN_RETIRED_PER_CALL {
                    block.jit.set(Translation::Refused);
                    return Visit::Ran(done);
                }
                probation = None;
            }
        }
        block.jit.set(Translation::Compiled {
            id,
            generation: self.generation,
            probation,
        });
        Visit::Ran(done)
    }

    /// Translates and loads the region entered at `block`; `None` (and the
    /// block refused) if it cannot be.
    #[cold]
    fn translate(&mut self, mem: &mut AddressSpace, block: &Block) -> Option<u32> {
        let blocks = region(mem, block, self.region_blocks);
        let blocks: Vec<&[Instruction]> = blocks.iter().map(Vec::as_slice).collect();
        let loaded = tabvm_jit::translate(&blocks)
            .ok()
            .and_then(|wasm| match self.load(wasm) {
                Ok(id) => Some(id),
                Err(e) => {
                    // A translator bug, not a guest error: say so, and
                    // interpret the block.
                    eprintln!("tabvm: jit: module for {:#x} rejected: {e}", block.eip);
                    None
                }
            });
        if loaded.is_none() {
            block.jit.set(Translation::Refused);
        }
        loaded
    }

    /// The engine's id for `wasm`: the module loaded before for the same
    /// bytes (another process running the same code, or a block decoded
    /// again after invalidation), or a new one, flushing the engine first if
    /// the code budget is spent.
    fn load(&mut self, wasm: Vec<u8>) -> Result<u32, String> {
        if let Some(&id) = self.modules.get(&wasm) {
            return Ok(id);
        }
        if self.loaded + wasm.len() > CODE_BUDGET {
            self.generation += 1;
            self.loaded = 0;
            self.modules.clear();
            if let Err(e) = self.engine.flush() {
                // Never translate again; what was translated is stale.
                self.threshold = u32::MAX;
                return Err(format!("flush failed, interpreting from now on: {e}"));
            }
        }
        let id = self.engine.load(&wasm)?;
        self.loaded += wasm.len();
        self.modules.insert(wasm, id);
        Ok(id)
    }

    /// Runs translated module `id` from the CPU state; returns how many
    /// instructions it retired.
    fn call(&mut self, cpu: &mut Cpu, mem: &AddressSpace, id: u32, left: i64) -> u32 {
        let (rtlb, wtlb) = mem.tlb_offsets();
        let mut seg_base = [0; 6];
        seg_base.copy_from_slice(&cpu.seg_base[..6]);
        let l = &cpu.lazy;
        Context {
            regs: cpu.regs,
            eip: cpu.eip,
            flags: cpu.flags,
            lazy_op: l.op as u32,
            lazy_sign: l.sign,
            lazy_a: l.a,
            lazy_b: l.b,
            lazy_res: l.res,
            seg_base,
            rtlb,
            wtlb,
            budget: left.clamp(0, i64::from(u32::MAX)) as u32,
            retired: 0,
        }
        .store(self.ctx.bytes_mut());
        let code = self.engine.call(id, self.ctx.offset());
        let out = Context::load(self.ctx.bytes());
        cpu.regs = out.regs;
        cpu.eip = out.eip;
        cpu.flags = out.flags;
        cpu.lazy.op = FlagOp::from_code(out.lazy_op);
        cpu.lazy.sign = out.lazy_sign;
        cpu.lazy.a = out.lazy_a;
        cpu.lazy.b = out.lazy_b;
        cpu.lazy.res = out.lazy_res;
        self.interpret_next = code == exit::SLOW_PATH;
        out.retired
    }
}

/// The region entered at `entry`: the block and those it reaches by direct
/// branches, breadth first, up to `max` blocks. Only blocks within
/// the entry's pages join: a write to a code page drops the entry block and
/// its translation, which must then be exactly when the write may change
/// code the region holds.
fn region(mem: &mut AddressSpace, entry: &Block, max: usize) -> Vec<Vec<Instruction>> {
    let Ok(first) = decode_insns(mem, entry.eip) else {
        return Vec::new();
    };
    let pages = entry.pages.0..=entry.pages.1;
    let mut blocks = vec![first];
    let mut seen = vec![entry.eip];
    let mut next = 0;
    while next < blocks.len() {
        for target in tabvm_jit::successors(&blocks[next]) {
            if blocks.len() == max || seen.contains(&target) || !pages.contains(&(target >> 12)) {
                continue;
            }
            seen.push(target);
            let Ok(insns) = decode_insns(mem, target) else {
                continue;
            };
            let fits = insns
                .last()
                .is_some_and(|i| pages.contains(&(i.next_ip32().wrapping_sub(1) >> 12)));
            if fits && tabvm_jit::translatable(&insns) {
                blocks.push(insns);
            }
        }
        next += 1;
    }
    blocks
}

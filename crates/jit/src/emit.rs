//! The vocabulary of code generation: one function body under construction,
//! its locals, its labels, and the small `gen_*` pieces every instruction
//! is built from — register access by width, the inlined TLB walk, exits.
//!
//! Guest state lives in Wasm locals while translated code runs (see
//! [`local`]); the prologue loads it from the [`Context`](crate::abi::Context)
//! and the epilogue, reached by every exit, stores it back. Instruction
//! handlers keep one discipline that makes every exit precise: all memory
//! accesses an instruction makes are checked (and may leave) before it
//! changes any register or flag local.

use iced_x86::Register;
use wasm_encoder::{BlockType, Function, InstructionSink, MemArg, MemArgTarget, ValType};

use tabvm_mem::{TLB_ENTRIES, TLB_ENTRY_SHIFT};

use crate::abi::exit;

/// Local indices. Parameter 0 is the context offset.
pub(crate) mod local {
    pub const CTX: u32 = 0;
    /// eax…edi: `REG + n`.
    pub const REG: u32 = 1;
    pub const FLAGS: u32 = 9;
    /// The pending flag operation, mirrored from the context.
    pub const OP: u32 = 10;
    pub const SIGN: u32 = 11;
    pub const LA: u32 = 12;
    pub const LB: u32 = 13;
    pub const LRES: u32 = 14;
    /// Segment bases: `SEG + n` for es cs ss ds fs gs.
    pub const SEG: u32 = 15;
    pub const RTLB: u32 = 21;
    pub const WTLB: u32 = 22;
    pub const BUDGET: u32 = 23;
    pub const RETIRED: u32 = 24;
    /// Where execution goes next, and the exit code.
    pub const EIP: u32 = 25;
    pub const CODE: u32 = 26;
    /// Scratch for one instruction: its address, operands, result, and the
    /// host offset the TLB walk found.
    pub const ADDR: u32 = 27;
    pub const A: u32 = 28;
    pub const B: u32 = 29;
    pub const R: u32 = 30;
    pub const HOST: u32 = 31;
    /// The i32 locals after the parameter.
    pub const COUNT: u32 = 31;
    /// The one i64 local: a 64-bit product.
    pub const WIDE: u32 = 32;
    /// The region's block to run next (an index into the dispatch table).
    pub const NEXT: u32 = 33;
}

/// Operand width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Width {
    B,
    W,
    D,
}

impl Width {
    pub fn from_bytes(n: usize) -> Option<Width> {
        match n {
            1 => Some(Width::B),
            2 => Some(Width::W),
            4 => Some(Width::D),
            _ => None,
        }
    }
    pub fn bytes(self) -> u32 {
        match self {
            Width::B => 1,
            Width::W => 2,
            Width::D => 4,
        }
    }
    pub fn mask(self) -> u32 {
        match self {
            Width::B => 0xff,
            Width::W => 0xffff,
            Width::D => u32::MAX,
        }
    }
    pub fn sign(self) -> u32 {
        1 << (self.bytes() * 8 - 1)
    }
}

/// A general-purpose register as an operand: which of eax…edi, which
/// width, and whether it is one of ah ch dh bh (bits 8–15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gpr {
    pub n: u32,
    pub width: Width,
    pub high: bool,
}

impl Gpr {
    pub fn of(r: Register) -> Option<Gpr> {
        let width = if r.is_gpr32() {
            Width::D
        } else if r.is_gpr16() {
            Width::W
        } else if r.is_gpr8() {
            Width::B
        } else {
            return None;
        };
        let n = r.number() as u32;
        let high = width == Width::B && n >= 4;
        Some(Gpr {
            n: if high { n - 4 } else { n },
            width,
            high,
        })
    }
}

/// Segment number (es cs ss ds fs gs) of a segment register.
pub(crate) fn segment_number(r: Register) -> Option<u32> {
    Some(match r {
        Register::ES => 0,
        Register::CS => 1,
        Register::SS => 2,
        Register::DS => 3,
        Register::FS => 4,
        Register::GS => 5,
        _ => return None,
    })
}

/// Structured-control labels, innermost last.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// The block around everything: branching here runs the epilogue.
    Exit,
    /// The dispatch loop: branching here runs the region's block `NEXT`.
    Top,
    /// Around the code of one block of the region (the dispatch table's
    /// targets).
    Case,
    Inner,
}

pub(crate) fn mem_arg(offset: u64, align: u32) -> MemArg {
    MemArg {
        offset,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

pub(crate) struct Emitter {
    pub f: Function,
    labels: Vec<Label>,
}

impl Emitter {
    pub fn new() -> Emitter {
        Emitter {
            f: Function::new([
                (local::COUNT, ValType::I32),
                (1, ValType::I64),
                (1, ValType::I32),
            ]),
            labels: Vec::new(),
        }
    }

    pub fn i(&mut self) -> InstructionSink<'_> {
        self.f.instructions()
    }

    pub fn open(&mut self, label: Label, bt: BlockType) {
        match label {
            Label::Top => self.i().loop_(bt),
            _ => self.i().block(bt),
        };
        self.labels.push(label);
    }

    /// `if` with a result or none; closed by [`close`](Self::close).
    pub fn open_if(&mut self, bt: BlockType) {
        self.i().if_(bt);
        self.labels.push(Label::Inner);
    }

    pub fn close(&mut self) {
        self.labels.pop();
        self.i().end();
    }

    fn depth(&self, label: Label) -> u32 {
        let at = self
            .labels
            .iter()
            .rposition(|&l| l == label)
            .expect("branch to an open label");
        (self.labels.len() - 1 - at) as u32
    }

    pub fn br(&mut self, label: Label) {
        let d = self.depth(label);
        self.i().br(d);
    }

    pub fn br_if(&mut self, label: Label) {
        let d = self.depth(label);
        self.i().br_if(d);
    }

    /// Loads the context field at `off` into `local`.
    pub fn gen_load_ctx(&mut self, off: u64, local: u32) {
        self.i()
            .local_get(local::CTX)
            .i32_load(mem_arg(off, 2))
            .local_set(local);
    }

    /// Stores `local` into the context field at `off`.
    pub fn gen_store_ctx(&mut self, off: u64, local: u32) {
        self.i()
            .local_get(local::CTX)
            .local_get(local)
            .i32_store(mem_arg(off, 2));
    }

    /// Leaves with `code`, `eip` on the instruction at `eip` and `done`
    /// more instructions retired.
    pub fn gen_exit(&mut self, code: u32, eip: u32, done: u32) {
        self.i()
            .i32_const(eip as i32)
            .local_set(local::EIP)
            .local_get(local::RETIRED)
            .i32_const(done as i32)
            .i32_add()
            .local_set(local::RETIRED)
            .i32_const(code as i32)
            .local_set(local::CODE);
        self.br(Label::Exit);
    }

    /// Pushes the value of `r`, zero-extended.
    pub fn gen_get(&mut self, r: Gpr) {
        self.i().local_get(local::REG + r.n);
        if r.high {
            self.i().i32_const(8).i32_shr_u();
        }
        if r.width != Width::D {
            self.i().i32_const(r.width.mask() as i32).i32_and();
        }
    }

    /// Pops a value into `r`, keeping the other bits of its 32-bit register.
    /// Uses `R` as scratch for partial registers.
    pub fn gen_set(&mut self, r: Gpr) {
        let reg = local::REG + r.n;
        if r.width == Width::D {
            self.i().local_set(reg);
            return;
        }
        let shift = if r.high { 8 } else { 0 };
        let mask = r.width.mask() << shift;
        self.i()
            .i32_const(r.width.mask() as i32)
            .i32_and()
            .i32_const(shift)
            .i32_shl()
            .local_get(reg)
            .i32_const(!mask as i32)
            .i32_and()
            .i32_or()
            .local_set(reg);
    }

    /// Walks the TLB table in `tlb` for a `width` access at the guest
    /// address in `ADDR`: on a hit leaves the host offset in `HOST`; on a
    /// miss, or an access crossing into the next page, leaves with
    /// [`exit::SLOW_PATH`] on the instruction at `eip`, `done` instructions
    /// into the block. Same table, same entries as the interpreter's
    /// `read_hit`/`write_hit` (see `tabvm_mem::TLB_ENTRIES`).
    pub fn gen_tlb(&mut self, tlb: u32, width: Width, eip: u32, done: u32) {
        self.open(Label::Inner, BlockType::Empty);
        self.i()
            .local_get(tlb)
            .local_get(local::ADDR)
            .i32_const(12)
            .i32_shr_u()
            .i32_const(TLB_ENTRIES as i32 - 1)
            .i32_and()
            .i32_const(TLB_ENTRY_SHIFT as i32)
            .i32_shl()
            .i32_add()
            .local_tee(local::HOST)
            .i32_load(mem_arg(0, 2))
            .local_get(local::ADDR)
            .i32_const(12)
            .i32_shr_u()
            .i32_eq()
            .local_get(local::ADDR)
            .i32_const(0xfff)
            .i32_and()
            .i32_const(4096 - width.bytes() as i32)
            .i32_le_u()
            .i32_and()
            .br_if(0);
        self.gen_exit(exit::SLOW_PATH, eip, done);
        self.close();
        self.i()
            .local_get(local::HOST)
            .i32_load(mem_arg(4, 2))
            .local_get(local::ADDR)
            .i32_const(0xfff)
            .i32_and()
            .i32_add()
            .local_set(local::HOST);
    }

    /// Pushes the `width` value at host offset `HOST`.
    pub fn gen_load(&mut self, width: Width) {
        self.i().local_get(local::HOST);
        match width {
            Width::B => self.i().i32_load8_u(mem_arg(0, 0)),
            Width::W => self.i().i32_load16_u(mem_arg(0, 0)),
            Width::D => self.i().i32_load(mem_arg(0, 0)),
        };
    }

    /// Stores the `width` value in `value` at host offset `HOST`.
    pub fn gen_store(&mut self, width: Width, value: u32) {
        self.i().local_get(local::HOST).local_get(value);
        match width {
            Width::B => self.i().i32_store8(mem_arg(0, 0)),
            Width::W => self.i().i32_store16(mem_arg(0, 0)),
            Width::D => self.i().i32_store(mem_arg(0, 0)),
        };
    }
}

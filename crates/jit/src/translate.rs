//! From a region of decoded basic blocks to a Wasm module.
//!
//! A region is a hot block (its entry) and blocks it reaches by direct
//! branches, chosen by the caller. The module shape (see `abi.rs` for the
//! contract):
//!
//! ```text
//! run(ctx):
//!   prologue: registers, flags, segment bases, TLB offsets → locals
//!   block $exit
//!     loop $dispatch
//!       br_table NEXT → one case per block of the region
//!       case k: one piece of code per guest instruction
//!               retired += its length
//!               for each direct successor in the region:
//!                 if eip == its start and the budget allows: NEXT = it; br $dispatch
//!               code = LEFT; br $exit
//!     end
//!   end
//!   epilogue: locals → context; return code
//! ```
//!
//! Loops and branches among the region's blocks thus run entirely in Wasm;
//! any other exit returns to the run loop. A memory access that misses the
//! TLB, or a divide that must fault, leaves before the instruction, which
//! the interpreter then runs on its full path (DESIGN rule 2: one slow
//! path). Only blocks wholly inside the translated integer subset join a
//! region: stopping inside a hot block to interpret one instruction costs
//! more than interpreting the block (measured on `bench/primes`, which
//! divides in its inner loop, before `div` was translated). Lazy flags are
//! known statically only within a block (a block may be entered from
//! several places).

use iced_x86::{Code, ConditionCode, FlowControl, Instruction, Mnemonic as M, OpKind, Register};
use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, FunctionSection, ImportSection,
    MemoryType, Module, TypeSection, ValType,
};

use crate::abi::{ctx, exit, flag_op};
use crate::emit::{local, segment_number, Emitter, Gpr, Label, Width};
use crate::flags::Pending;

/// Why a region was not translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The entry block holds an instruction (or form) outside the translated
    /// subset; the interpreter runs the block. Not an error.
    Unsupported(M),
    /// No instructions.
    Empty,
}

/// A data operand of an instruction.
#[derive(Clone, Copy)]
enum Operand {
    Reg(Gpr),
    /// A memory operand of this width (the address is the instruction's).
    Mem(Width),
    Imm(u32),
}

/// Most blocks in a region: enough for the loop nests of the benchmark
/// workloads, few enough that Cranelift compiles a region in a millisecond
/// or two.
pub const MAX_REGION_BLOCKS: usize = 32;

/// Translates a region to a module: `blocks[0]` is its entry, the others
/// ([`translatable`] ones) are blocks its code may branch to directly.
pub fn translate(blocks: &[&[Instruction]]) -> Result<Vec<u8>, Refusal> {
    let entry = blocks
        .first()
        .filter(|b| !b.is_empty())
        .ok_or(Refusal::Empty)?;
    if let Some(bad) = entry.iter().find(|i| !supported(i)) {
        return Err(Refusal::Unsupported(bad.mnemonic()));
    }
    assert!(
        blocks.iter().all(|b| translatable(b)),
        "a region's blocks are translatable"
    );
    let starts: Vec<u32> = blocks.iter().map(|b| b[0].ip32()).collect();
    let mut t = Translator {
        e: Emitter::new(),
        pending: Pending::Unknown,
    };
    t.prologue(blocks.iter().flat_map(|b| b.iter()));
    t.e.open(Label::Exit, BlockType::Empty);
    t.e.open(Label::Top, BlockType::Empty);
    for _ in blocks {
        t.e.open(Label::Case, BlockType::Empty);
    }
    let cases: Vec<u32> = (0..blocks.len() as u32).collect();
    t.e.i().local_get(local::NEXT).br_table(cases, 0);
    for insns in blocks {
        t.e.close();
        t.block(insns, &starts, blocks);
    }
    t.e.close();
    t.e.close();
    t.epilogue();
    Ok(module(t.e))
}

/// Whether a block can be part of a region: not empty, and every
/// instruction in the translated subset.
pub fn translatable(insns: &[Instruction]) -> bool {
    !insns.is_empty() && insns.iter().all(supported)
}

/// Where a block's code goes next as far as it is known statically: branch
/// targets and fall-through, and after a call also the return address
/// (reached by the callee's `ret`).
pub fn successors(insns: &[Instruction]) -> Vec<u32> {
    let Some(last) = insns.last() else {
        return Vec::new();
    };
    let direct = last.op0_kind() == OpKind::NearBranch32;
    match last.flow_control() {
        FlowControl::Next => vec![last.next_ip32()],
        FlowControl::ConditionalBranch => vec![last.near_branch32(), last.next_ip32()],
        FlowControl::UnconditionalBranch if direct => vec![last.near_branch32()],
        FlowControl::Call if direct => vec![last.near_branch32(), last.next_ip32()],
        FlowControl::Call | FlowControl::IndirectCall => vec![last.next_ip32()],
        _ => Vec::new(),
    }
}

/// The region's blocks a block may continue in: its successors, or after
/// a `ret` the return addresses of the region's calls.
fn continuations(insns: &[Instruction], blocks: &[&[Instruction]]) -> Vec<u32> {
    let last = insns.last().expect("blocks are not empty");
    let is_call = |i: &Instruction| {
        matches!(
            i.flow_control(),
            FlowControl::Call | FlowControl::IndirectCall
        )
    };
    let mut targets = match last.flow_control() {
        FlowControl::Return => blocks
            .iter()
            .filter_map(|b| b.last())
            .filter(|i| is_call(i))
            .map(|i| i.next_ip32())
            .collect(),
        // Right after a call, only its target: the return address comes later.
        FlowControl::Call if last.op0_kind() == OpKind::NearBranch32 => {
            vec![last.near_branch32()]
        }
        FlowControl::Call | FlowControl::IndirectCall => Vec::new(),
        _ => successors(insns),
    };
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// True if `insn` is in the translated subset, in a form the handlers
/// below cover (32-bit addressing, no prefixes that change meaning).
fn supported(insn: &Instruction) -> bool {
    let addressing_ok = (0..insn.op_count()).all(|i| match insn.op_kind(i) {
        OpKind::Register => Gpr::of(insn.op_register(i)).is_some(),
        OpKind::Memory => {
            let r32 = |r: Register| r == Register::None || r.is_gpr32();
            r32(insn.memory_base())
                && r32(insn.memory_index())
                && segment_number(insn.memory_segment()).is_some()
                // `lea` and long `nop`s only compute (or ignore) an address.
                && (matches!(insn.mnemonic(), M::Lea | M::Nop)
                    || Width::from_bytes(insn.memory_size().size()).is_some())
        }
        OpKind::Immediate8
        | OpKind::Immediate16
        | OpKind::Immediate32
        | OpKind::Immediate8to16
        | OpKind::Immediate8to32
        | OpKind::NearBranch32 => true,
        _ => false,
    });
    if !addressing_ok || insn.has_lock_prefix() || insn.has_xacquire_prefix() {
        return false;
    }
    let rep = insn.has_rep_prefix() || insn.has_repne_prefix();
    match insn.mnemonic() {
        // `rep ret` is a plain return, used for branch-predictor alignment.
        M::Ret => matches!(insn.code(), Code::Retnd | Code::Retnd_imm16),
        _ if rep => false,
        M::Mov
        | M::Movzx
        | M::Movsx
        | M::Add
        | M::Adc
        | M::Sub
        | M::Sbb
        | M::And
        | M::Or
        | M::Xor
        | M::Cmp
        | M::Test
        | M::Inc
        | M::Dec
        | M::Neg
        | M::Not
        | M::Nop
        | M::Cdq
        | M::Cwde => true,
        M::Lea => insn.op0_register().is_gpr32(),
        M::Push => insn.stack_pointer_increment() == -4 && insn.op0_kind() != OpKind::Memory,
        M::Pop => insn.stack_pointer_increment() == 4 && insn.op0_kind() == OpKind::Register,
        M::Call => matches!(insn.code(), Code::Call_rel32_32 | Code::Call_rm32),
        M::Jmp => matches!(
            insn.code(),
            Code::Jmp_rel8_32 | Code::Jmp_rel32_32 | Code::Jmp_rm32
        ),
        M::Shl | M::Sal | M::Shr | M::Sar => {
            insn.op0_kind() == OpKind::Register
                && insn.op0_register().is_gpr32()
                && insn.op1_kind() == OpKind::Immediate8
        }
        M::Imul => insn.op_count() >= 2 && insn.op0_register().is_gpr32(),
        // The edx:eax forms.
        M::Mul | M::Div | M::Idiv => {
            insn.op_count() == 1
                && match insn.op0_kind() {
                    OpKind::Register => insn.op0_register().is_gpr32(),
                    _ => insn.memory_size().size() == 4,
                }
        }
        _ => conditional_kind(insn).is_some(),
    }
}

/// The instructions that read a condition code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Conditional {
    /// `jcc rel`
    Jump,
    /// `setcc r/m8`
    Set,
    /// `cmovcc r, r/m`
    Move,
}

fn conditional_kind(insn: &Instruction) -> Option<Conditional> {
    if insn.condition_code() == ConditionCode::None {
        return None;
    }
    match (insn.flow_control(), insn.op_count()) {
        // `loopcc` also names a condition but decrements ecx first.
        (FlowControl::ConditionalBranch, 1)
            if insn.is_jcc_short_or_near() && insn.op0_kind() == OpKind::NearBranch32 =>
        {
            Some(Conditional::Jump)
        }
        // The x87 `fcmov`s also read conditions; their operands are no GPRs.
        (FlowControl::Next, 1) => Some(Conditional::Set),
        (FlowControl::Next, 2) => Some(Conditional::Move),
        _ => None,
    }
}

struct Translator {
    e: Emitter,
    pending: Pending,
}

impl Translator {
    fn prologue<'a>(&mut self, insns: impl Iterator<Item = &'a Instruction>) {
        let e = &mut self.e;
        for n in 0..8 {
            e.gen_load_ctx(ctx::REGS + 4 * u64::from(n), local::REG + n);
        }
        e.gen_load_ctx(ctx::FLAGS, local::FLAGS);
        e.gen_load_ctx(ctx::LAZY_OP, local::OP);
        e.gen_load_ctx(ctx::LAZY_SIGN, local::SIGN);
        e.gen_load_ctx(ctx::LAZY_A, local::LA);
        e.gen_load_ctx(ctx::LAZY_B, local::LB);
        e.gen_load_ctx(ctx::LAZY_RES, local::LRES);
        e.gen_load_ctx(ctx::RTLB, local::RTLB);
        e.gen_load_ctx(ctx::WTLB, local::WTLB);
        e.gen_load_ctx(ctx::BUDGET, local::BUDGET);
        // Only the segments the block addresses through.
        let mut used = [false; 6];
        for insn in insns {
            if (0..insn.op_count()).any(|i| insn.op_kind(i) == OpKind::Memory)
                && insn.mnemonic() != M::Lea
            {
                if let Some(s) = segment_number(insn.memory_segment()) {
                    used[s as usize] = true;
                }
            }
            if insn.stack_pointer_increment() != 0 {
                used[2] = true;
            }
        }
        for (s, _) in used.iter().enumerate().filter(|(_, u)| **u) {
            let s = s as u32;
            e.gen_load_ctx(ctx::SEG_BASE + 4 * u64::from(s), local::SEG + s);
        }
    }

    fn epilogue(&mut self) {
        let e = &mut self.e;
        for n in 0..8 {
            e.gen_store_ctx(ctx::REGS + 4 * u64::from(n), local::REG + n);
        }
        e.gen_store_ctx(ctx::EIP, local::EIP);
        e.gen_store_ctx(ctx::FLAGS, local::FLAGS);
        e.gen_store_ctx(ctx::LAZY_OP, local::OP);
        e.gen_store_ctx(ctx::LAZY_SIGN, local::SIGN);
        e.gen_store_ctx(ctx::LAZY_A, local::LA);
        e.gen_store_ctx(ctx::LAZY_B, local::LB);
        e.gen_store_ctx(ctx::LAZY_RES, local::LRES);
        e.gen_store_ctx(ctx::RETIRED, local::RETIRED);
        e.i().local_get(local::CODE);
    }

    /// The code of one block of the region, then a branch to the next.
    fn block(&mut self, insns: &[Instruction], starts: &[u32], blocks: &[&[Instruction]]) {
        // Another block may jump here with any flag operation pending.
        self.pending = Pending::Unknown;
        for (k, insn) in insns.iter().enumerate() {
            self.instruction(insn, k as u32);
        }
        let last = insns.last().expect("blocks are not empty");
        if last.flow_control() == FlowControl::Next {
            self.e
                .i()
                .i32_const(last.next_ip32() as i32)
                .local_set(local::EIP);
        }
        let e = &mut self.e;
        e.i()
            .local_get(local::RETIRED)
            .i32_const(insns.len() as i32)
            .i32_add()
            .local_set(local::RETIRED);
        for target in continuations(insns, blocks) {
            let Some(k) = starts.iter().position(|&s| s == target) else {
                continue;
            };
            // Go on if the next block fits the budget, as the run loop would.
            // (NEXT matters only when the branch is taken.)
            e.i()
                .i32_const(k as i32)
                .local_set(local::NEXT)
                .local_get(local::EIP)
                .i32_const(target as i32)
                .i32_eq()
                .local_get(local::RETIRED)
                .i32_const(blocks[k].len() as i32)
                .i32_add()
                .local_get(local::BUDGET)
                .i32_le_u()
                .i32_and();
            e.br_if(Label::Top);
        }
        e.i().i32_const(exit::LEFT as i32).local_set(local::CODE);
        e.br(Label::Exit);
    }

    fn operand(&self, insn: &Instruction, i: u32) -> Operand {
        match insn.op_kind(i) {
            OpKind::Register => Operand::Reg(Gpr::of(insn.op_register(i)).expect("checked")),
            OpKind::Memory => {
                Operand::Mem(Width::from_bytes(insn.memory_size().size()).expect("checked"))
            }
            _ => Operand::Imm(insn.immediate(i) as u32),
        }
    }

    /// Pushes the instruction's effective address; with `segment`, plus the
    /// segment base (a linear address), without it the offset (`lea`).
    fn gen_ea(&mut self, insn: &Instruction, segment: bool) {
        let e = &mut self.e;
        e.i().i32_const(insn.memory_displacement32() as i32);
        if let Some(b) = Gpr::of(insn.memory_base()) {
            e.i().local_get(local::REG + b.n).i32_add();
        }
        if let Some(x) = Gpr::of(insn.memory_index()) {
            e.i()
                .local_get(local::REG + x.n)
                .i32_const(insn.memory_index_scale().trailing_zeros() as i32)
                .i32_shl()
                .i32_add();
        }
        if segment {
            let s = segment_number(insn.memory_segment()).expect("checked");
            e.i().local_get(local::SEG + s).i32_add();
        }
    }

    /// Computes the address of the memory operand into `ADDR` and walks
    /// the read or write TLB: `HOST` then addresses the operand.
    fn gen_mem(&mut self, insn: &Instruction, w: Width, write: bool, done: u32) {
        self.gen_ea(insn, true);
        self.e.i().local_set(local::ADDR);
        let tlb = if write { local::WTLB } else { local::RTLB };
        self.e.gen_tlb(tlb, w, insn.ip32(), done);
    }

    /// Pushes a register or immediate operand, or the memory operand at
    /// `HOST` (walked before by `gen_mem`), masked to `w`.
    fn gen_read(&mut self, op: Operand, w: Width) {
        match op {
            Operand::Reg(r) => self.e.gen_get(r),
            Operand::Mem(mw) => self.e.gen_load(mw),
            Operand::Imm(v) => {
                self.e.i().i32_const((v & w.mask()) as i32);
            }
        }
    }

    /// Stores `value` into a register or the memory operand at `HOST`.
    fn gen_write(&mut self, op: Operand, value: u32) {
        match op {
            Operand::Reg(r) => {
                self.e.i().local_get(value);
                self.e.gen_set(r);
            }
            Operand::Mem(w) => self.e.gen_store(w, value),
            Operand::Imm(_) => unreachable!("immediates are never written"),
        }
    }

    /// Walks the TLB for whichever operand of `ops` is in memory.
    fn gen_mem_operand(&mut self, insn: &Instruction, ops: &[Operand], write: bool, done: u32) {
        if let Some(Operand::Mem(w)) = ops.iter().find(|o| matches!(o, Operand::Mem(_))) {
            self.gen_mem(insn, *w, write, done);
        }
    }

    /// Pushes `esp - 4` as the new top of stack and walks the write TLB for
    /// it; the caller stores and then lowers `esp` to `ADDR`.
    fn gen_push_slot(&mut self, insn: &Instruction, done: u32) {
        self.e
            .i()
            .local_get(local::REG + 4)
            .i32_const(4)
            .i32_sub()
            .local_get(local::SEG + 2)
            .i32_add()
            .local_set(local::ADDR);
        self.e.gen_tlb(local::WTLB, Width::D, insn.ip32(), done);
    }

    /// Loads the dword at the top of the stack into `A`.
    fn gen_peek(&mut self, insn: &Instruction, done: u32) {
        self.e
            .i()
            .local_get(local::REG + 4)
            .local_get(local::SEG + 2)
            .i32_add()
            .local_set(local::ADDR);
        self.e.gen_tlb(local::RTLB, Width::D, insn.ip32(), done);
        self.e.gen_load(Width::D);
        self.e.i().local_set(local::A);
    }

    fn adjust_esp(&mut self, by: i32) {
        self.e
            .i()
            .local_get(local::REG + 4)
            .i32_const(by)
            .i32_add()
            .local_set(local::REG + 4);
    }

    /// Sets `EIP` to the target of a direct or indirect branch.
    fn gen_target(&mut self, insn: &Instruction, done: u32) {
        match insn.op0_kind() {
            OpKind::NearBranch32 => {
                self.e.i().i32_const(insn.near_branch32() as i32);
            }
            _ => {
                let op = self.operand(insn, 0);
                self.gen_mem_operand(insn, &[op], false, done);
                self.gen_read(op, Width::D);
            }
        }
        self.e.i().local_set(local::EIP);
    }

    /// The code of instruction `done` of the block.
    fn instruction(&mut self, insn: &Instruction, done: u32) {
        use local::{A, B, R};
        let m = insn.mnemonic();
        match m {
            M::Nop => {}
            M::Mov | M::Movzx | M::Movsx => {
                let (dst, src) = (self.operand(insn, 0), self.operand(insn, 1));
                let sw = width_of(src, insn);
                let store = matches!(dst, Operand::Mem(_));
                self.gen_mem_operand(insn, &[dst, src], store, done);
                self.gen_read(src, sw);
                if m == M::Movsx {
                    match sw {
                        Width::B => self.e.i().i32_extend8_s(),
                        _ => self.e.i().i32_extend16_s(),
                    };
                }
                self.e.i().local_set(A);
                self.gen_write(dst, A);
            }
            M::Lea => {
                self.gen_ea(insn, false);
                let dst = Gpr::of(insn.op0_register()).expect("checked");
                self.e.gen_set(dst);
            }
            M::Add | M::Adc | M::Sub | M::Sbb | M::And | M::Or | M::Xor | M::Cmp | M::Test => {
                let (dst, src) = (self.operand(insn, 0), self.operand(insn, 1));
                let w = width_of(dst, insn);
                let writes = !matches!(m, M::Cmp | M::Test);
                let stores = writes && matches!(dst, Operand::Mem(_));
                self.gen_mem_operand(insn, &[dst, src], stores, done);
                self.gen_read(dst, w);
                self.e.i().local_set(A);
                self.gen_read(src, w);
                self.e.i().local_set(B);
                self.e.i().local_get(A).local_get(B);
                let code = match m {
                    M::Add => {
                        self.e.i().i32_add();
                        flag_op::ADD
                    }
                    M::Adc => {
                        self.e.i().i32_add();
                        self.e.gen_cf(self.pending);
                        self.e.i().i32_add();
                        flag_op::ADC
                    }
                    M::Sub | M::Cmp => {
                        self.e.i().i32_sub();
                        flag_op::SUB
                    }
                    M::Sbb => {
                        self.e.i().i32_sub();
                        self.e.gen_cf(self.pending);
                        self.e.i().i32_sub();
                        flag_op::SBB
                    }
                    M::And | M::Test => {
                        self.e.i().i32_and();
                        flag_op::LOGIC
                    }
                    M::Or => {
                        self.e.i().i32_or();
                        flag_op::LOGIC
                    }
                    _ => {
                        self.e.i().i32_xor();
                        flag_op::LOGIC
                    }
                };
                self.e.i().local_set(R);
                if writes {
                    self.gen_write(dst, R);
                }
                self.e.gen_set_lazy(&mut self.pending, code, w, A, B, R);
            }
            M::Inc | M::Dec | M::Neg | M::Not => {
                let dst = self.operand(insn, 0);
                let w = width_of(dst, insn);
                self.gen_mem_operand(insn, &[dst], true, done);
                self.gen_read(dst, w);
                self.e.i().local_set(A);
                match m {
                    M::Inc => self.e.i().local_get(A).i32_const(1).i32_add(),
                    M::Dec => self.e.i().local_get(A).i32_const(1).i32_sub(),
                    M::Neg => self.e.i().i32_const(0).local_get(A).i32_sub(),
                    _ => self.e.i().local_get(A).i32_const(-1).i32_xor(),
                };
                self.e.i().local_set(R);
                self.gen_write(dst, R);
                match m {
                    M::Inc | M::Dec => {
                        let code = if m == M::Inc {
                            flag_op::INC
                        } else {
                            flag_op::DEC
                        };
                        self.e.gen_keep_cf(self.pending);
                        self.e.i().i32_const(1).local_set(B);
                        self.e.gen_set_lazy(&mut self.pending, code, w, A, B, R);
                    }
                    M::Neg => {
                        // Flags of 0 - a.
                        self.e
                            .i()
                            .local_get(A)
                            .local_set(B)
                            .i32_const(0)
                            .local_set(A);
                        self.e
                            .gen_set_lazy(&mut self.pending, flag_op::SUB, w, A, B, R);
                    }
                    _ => {}
                }
            }
            M::Cdq => {
                self.e
                    .i()
                    .local_get(local::REG)
                    .i32_const(31)
                    .i32_shr_s()
                    .local_set(local::REG + 2);
            }
            M::Cwde => {
                self.e
                    .i()
                    .local_get(local::REG)
                    .i32_extend16_s()
                    .local_set(local::REG);
            }
            M::Push => {
                // The value first: `push esp` pushes the old esp.
                let src = self.operand(insn, 0);
                self.gen_read(src, Width::D);
                self.e.i().local_set(A);
                self.gen_push_slot(insn, done);
                self.e.gen_store(Width::D, A);
                self.adjust_esp(-4);
            }
            M::Pop => {
                self.gen_peek(insn, done);
                self.adjust_esp(4);
                let dst = self.operand(insn, 0);
                self.gen_write(dst, A);
            }
            M::Call => {
                self.gen_target(insn, done);
                self.e.i().i32_const(insn.next_ip32() as i32).local_set(A);
                self.gen_push_slot(insn, done);
                self.e.gen_store(Width::D, A);
                self.adjust_esp(-4);
            }
            M::Ret => {
                self.gen_peek(insn, done);
                self.adjust_esp(insn.stack_pointer_increment());
                self.e.i().local_get(A).local_set(local::EIP);
            }
            M::Jmp => self.gen_target(insn, done),
            M::Shl | M::Sal | M::Shr | M::Sar => self.shift(insn),
            M::Imul => self.imul(insn, done),
            M::Mul => self.mul(insn, done),
            M::Div | M::Idiv => self.divide(insn, done),
            _ => self.conditional(insn, done),
        }
    }

    /// `shl`/`shr`/`sar r32, imm8`, with the interpreter's flag rules.
    fn shift(&mut self, insn: &Instruction) {
        use local::{A, B, R};
        let count = (insn.immediate8() & 31) as i32;
        if count == 0 {
            return;
        }
        let reg = local::REG + Gpr::of(insn.op0_register()).expect("checked").n;
        let e = &mut self.e;
        e.i().local_get(reg).local_set(A);
        // R = result, B = CF (the last bit shifted out), ADDR = OF.
        let of = local::ADDR;
        match insn.mnemonic() {
            M::Shr => {
                e.i()
                    .local_get(A)
                    .i32_const(count)
                    .i32_shr_u()
                    .local_set(R)
                    .local_get(A)
                    .i32_const(count - 1)
                    .i32_shr_u()
                    .i32_const(1)
                    .i32_and()
                    .local_set(B)
                    .local_get(A)
                    .i32_const(31)
                    .i32_shr_u()
                    .local_set(of);
            }
            M::Sar => {
                e.i()
                    .local_get(A)
                    .i32_const(count)
                    .i32_shr_s()
                    .local_set(R)
                    .local_get(A)
                    .i32_const(count - 1)
                    .i32_shr_s()
                    .i32_const(1)
                    .i32_and()
                    .local_set(B)
                    .i32_const(0)
                    .local_set(of);
            }
            _ => {
                e.i()
                    .local_get(A)
                    .i32_const(count)
                    .i32_shl()
                    .local_set(R)
                    .local_get(A)
                    .i32_const(32 - count)
                    .i32_shr_u()
                    .i32_const(1)
                    .i32_and()
                    .local_set(B)
                    .local_get(R)
                    .i32_const(31)
                    .i32_shr_u()
                    .local_get(B)
                    .i32_xor()
                    .local_set(of);
            }
        }
        e.i().local_get(R).local_set(reg);
        e.gen_set_result(&mut self.pending, Width::D, R, B, of);
    }

    /// `imul r32, r/m32` and `imul r32, r/m32, imm`.
    fn imul(&mut self, insn: &Instruction, done: u32) {
        use local::{A, B, R};
        let dst = Gpr::of(insn.op0_register()).expect("checked");
        let src = self.operand(insn, 1);
        self.gen_mem_operand(insn, &[src], false, done);
        self.gen_read(src, Width::D);
        self.e.i().local_set(B);
        match insn.op_count() {
            3 => self.e.i().i32_const(insn.immediate(2) as i32).local_set(A),
            _ => self.e.i().local_get(local::REG + dst.n).local_set(A),
        };
        // The 64-bit product; overflow if it is not its own low half
        // sign-extended. CF = OF = overflow.
        let e = &mut self.e;
        e.i()
            .local_get(A)
            .i64_extend_i32_s()
            .local_get(B)
            .i64_extend_i32_s()
            .i64_mul()
            .local_tee(local::WIDE)
            .i32_wrap_i64()
            .local_set(R)
            .local_get(local::WIDE)
            .local_get(R)
            .i64_extend_i32_s()
            .i64_ne()
            .local_set(B)
            .local_get(R)
            .local_set(local::REG + dst.n);
        e.gen_set_result(&mut self.pending, Width::D, R, B, B);
    }

    /// `mul r/m32`: edx:eax = eax × src; CF = OF = (edx ≠ 0).
    fn mul(&mut self, insn: &Instruction, done: u32) {
        use local::{A, B, R};
        let src = self.operand(insn, 0);
        self.gen_mem_operand(insn, &[src], false, done);
        self.gen_read(src, Width::D);
        self.e.i().local_set(B);
        self.e
            .i()
            .local_get(local::REG)
            .i64_extend_i32_u()
            .local_get(B)
            .i64_extend_i32_u()
            .i64_mul()
            .local_tee(local::WIDE)
            .i32_wrap_i64()
            .local_tee(R)
            .local_set(local::REG)
            .local_get(local::WIDE)
            .i64_const(32)
            .i64_shr_u()
            .i32_wrap_i64()
            .local_tee(A)
            .local_set(local::REG + 2)
            .local_get(A)
            .i32_const(0)
            .i32_ne()
            .local_set(B);
        self.e.gen_set_result(&mut self.pending, Width::D, R, B, B);
    }

    /// `div`/`idiv r/m32`: edx:eax ÷ src, quotient to eax, remainder to
    /// edx, flags unchanged. A zero divisor or a quotient that does not fit
    /// (#DE) leaves before the instruction, for the interpreter to raise;
    /// so does `idiv` by −1, which Wasm's `div_s` may trap on.
    fn divide(&mut self, insn: &Instruction, done: u32) {
        use local::{B, R};
        let signed = insn.mnemonic() == M::Idiv;
        let src = self.operand(insn, 0);
        self.gen_mem_operand(insn, &[src], false, done);
        self.gen_read(src, Width::D);
        self.e.i().local_set(B);
        let e = &mut self.e;
        // The dividend edx:eax.
        e.i()
            .local_get(local::REG + 2)
            .i64_extend_i32_u()
            .i64_const(32)
            .i64_shl()
            .local_get(local::REG)
            .i64_extend_i32_u()
            .i64_or()
            .local_set(local::WIDE);
        e.open(Label::Inner, BlockType::Empty);
        if signed {
            e.i()
                .local_get(B)
                .i32_const(1)
                .i32_add()
                .i32_const(1)
                .i32_gt_u() // B is neither 0 nor −1
                .br_if(0);
        } else {
            // The quotient fits in 32 bits exactly when edx < divisor
            // (which also excludes a zero divisor).
            e.i()
                .local_get(local::REG + 2)
                .local_get(B)
                .i32_lt_u()
                .br_if(0);
        }
        e.gen_exit(exit::SLOW_PATH, insn.ip32(), done);
        e.close();
        let divisor = |e: &mut Emitter| {
            e.i().local_get(local::WIDE).local_get(B);
            if signed {
                e.i().i64_extend_i32_s();
            } else {
                e.i().i64_extend_i32_u();
            }
        };
        divisor(e);
        if signed {
            e.i().i64_rem_s();
        } else {
            e.i().i64_rem_u();
        }
        e.i().i32_wrap_i64().local_set(R);
        divisor(e);
        if signed {
            e.i().i64_div_s();
        } else {
            e.i().i64_div_u();
        }
        e.i().local_set(local::WIDE);
        if signed {
            e.open(Label::Inner, BlockType::Empty);
            e.i()
                .local_get(local::WIDE)
                .local_get(local::WIDE)
                .i32_wrap_i64()
                .i64_extend_i32_s()
                .i64_eq()
                .br_if(0);
            e.gen_exit(exit::SLOW_PATH, insn.ip32(), done);
            e.close();
        }
        e.i()
            .local_get(local::WIDE)
            .i32_wrap_i64()
            .local_set(local::REG)
            .local_get(R)
            .local_set(local::REG + 2);
    }

    /// `jcc`, `setcc`, `cmovcc`.
    fn conditional(&mut self, insn: &Instruction, done: u32) {
        let cc = insn.condition_code();
        let kind = conditional_kind(insn).expect("checked");
        if kind == Conditional::Jump {
            self.e.i().i32_const(insn.near_branch32() as i32);
            self.e.i().i32_const(insn.next_ip32() as i32);
            self.e.gen_cond(self.pending, cc);
            self.e.i().select().local_set(local::EIP);
        } else if kind == Conditional::Set {
            let dst = self.operand(insn, 0);
            self.gen_mem_operand(insn, &[dst], true, done);
            self.e.gen_cond(self.pending, cc);
            self.e.i().local_set(local::A);
            self.gen_write(dst, local::A);
        } else {
            // cmov: the source is read (and may fault) whatever the condition.
            let dst = Gpr::of(insn.op0_register()).expect("checked");
            let src = self.operand(insn, 1);
            self.gen_mem_operand(insn, &[src], false, done);
            self.gen_read(src, dst.width);
            self.e.i().local_set(local::A);
            self.e.gen_cond(self.pending, cc);
            self.e.open_if(BlockType::Empty);
            self.e.i().local_get(local::A);
            self.e.gen_set(dst);
            self.e.close();
        }
    }
}

/// The width of a register or memory operand; an immediate takes the
/// instruction's other operand's.
fn width_of(op: Operand, insn: &Instruction) -> Width {
    match op {
        Operand::Reg(r) => r.width,
        Operand::Mem(w) => w,
        Operand::Imm(_) => match insn.op_kind(0) {
            OpKind::Register => Gpr::of(insn.op0_register()).map_or(Width::D, |r| r.width),
            _ => Width::from_bytes(insn.memory_size().size()).unwrap_or(Width::D),
        },
    }
}

/// Wraps the function body into a module: type, memory import, export.
fn module(mut e: Emitter) -> Vec<u8> {
    e.i().end();
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    let mut imports = ImportSection::new();
    imports.import(
        "env",
        "memory",
        EntityType::Memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        }),
    );
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 0);
    let mut code = CodeSection::new();
    code.function(&e.f);
    let mut m = Module::new();
    m.section(&types)
        .section(&imports)
        .section(&funcs)
        .section(&exports)
        .section(&code);
    m.finish()
}

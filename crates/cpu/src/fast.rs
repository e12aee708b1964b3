//! Pre-decoded instructions and specialised handlers for the hot forms.
//!
//! Each decoded instruction becomes an [`Op`]: the iced-x86 `Instruction`
//! plus a handler chosen once at decode time and the operand details that
//! handler needs (register indexes, immediate, address parts) in plain
//! fields. The forms that dominate integer code — `mov`, the ALU ops and
//! `inc`/`dec` at 8, 16 and 32 bits, and 32-bit `lea`, `push`/`pop`,
//! `jcc`/`jmp`/`call`/`ret`, `movzx`/`movsx`, shifts by an
//! immediate, `imul r, r/m` — get handlers specialised by const generics for
//! their operand kinds and width, so they skip the generic operand decoding. Everything else runs through [`generic`], the full
//! dispatcher in `exec.rs`.
//!
//! The hottest handlers (`mov`, the ALU ops, fused compares, `movzx`/`movsx`,
//! `imul`) are split by `hit_or_slow!`: a path that touches memory only
//! through the address space's TLB and calls nothing — so it needs no stack
//! frame — and, on a TLB miss, a cold full path that redoes the instruction.
//!
//! A block ending in `cmp`/`test` + `jcc` fuses the pair ([`fuse_branch`]):
//! the compare's handler also takes the branch, which saves a dispatch on
//! the most common loop ending. The flags are still recorded for later use.

use iced_x86::{ConditionCode, FlowControl, Instruction, Mnemonic as M, OpKind, Register};
use tabvm_mem::{AddressSpace, Fault};

use crate::exec::{check_code_written, Flow};
use crate::flags::FlagOp;
use crate::operand::{gpr, is_addr16, seg_index, Size};
use crate::state::Cpu;

/// Executes one pre-decoded instruction. `eip` holds the block's
/// fall-through address; only branches (the last op of a block) change it.
pub(crate) type Handler = fn(&mut Cpu, &mut AddressSpace, &Op) -> Flow;

/// "No register" in `Op::r0`/`Op::r1`.
const NONE: u8 = 8;

/// One pre-decoded instruction.
pub(crate) struct Op {
    pub exec: Handler,
    /// Register operands (indexes into `Cpu::regs`) and their bit shifts
    /// (8 for ah..bh).
    pub r0: u8,
    pub r1: u8,
    pub sh0: u8,
    pub sh1: u8,
    /// Memory operand: base and index registers, scale as a shift,
    /// segment index, displacement. An absent base or index has a zero
    /// mask, so the address is computed without branches.
    pub base: u8,
    pub index: u8,
    pub scale: u8,
    pub seg: u8,
    pub base_mask: u32,
    pub index_mask: u32,
    pub disp: u32,
    /// Immediate operand, or the branch target.
    pub imm: u32,
    /// Branch condition of this `jcc`.
    pub cc: ConditionCode,
    /// The condition of the `jcc` fused into this compare, as a truth
    /// table: bit `zf | cf << 1 | lt << 2` (`lt`: SF ≠ OF) is set if the
    /// branch is taken then (see [`cond_table`]).
    pub cc_table: u8,
    /// Target of the `jcc` fused into this compare.
    pub target: u32,
    /// Position in the block (for counting retired instructions at exits).
    pub idx: u8,
    pub insn: Instruction,
}

impl Op {
    pub(crate) fn new(insn: Instruction, idx: u8) -> Op {
        let reg = |n: u32| match insn.op_kind(n) {
            OpKind::Register if (insn.op_register(n) as usize) < Register::RAX as usize => {
                let (i, shift) = gpr(insn.op_register(n));
                (i as u8, shift as u8)
            }
            _ => (NONE, 0),
        };
        // (register index, mask) of an address part.
        let mem_reg = |r: Register| {
            if r == Register::None {
                (0, 0)
            } else {
                (gpr(r).0 as u8, u32::MAX)
            }
        };
        let imm = (0..insn.op_count())
            .find_map(|n| match insn.op_kind(n) {
                OpKind::NearBranch32 => Some(insn.near_branch32()),
                OpKind::Immediate8to32 => Some(insn.immediate8to32() as u32),
                k if is_imm(k) => insn.try_immediate(n).ok().map(|v| v as u32),
                _ => None,
            })
            .unwrap_or(0);
        let mut op = Op {
            exec: generic,
            r0: reg(0).0,
            r1: reg(1).0,
            sh0: reg(0).1,
            sh1: reg(1).1,
            base: mem_reg(insn.memory_base()).0,
            index: mem_reg(insn.memory_index()).0,
            base_mask: mem_reg(insn.memory_base()).1,
            index_mask: mem_reg(insn.memory_index()).1,
            scale: insn.memory_index_scale().trailing_zeros() as u8,
            seg: seg_index(insn.memory_segment()) as u8,
            disp: insn.memory_displacement32(),
            imm,
            cc: insn.condition_code(),
            cc_table: 0,
            target: 0,
            idx,
            insn,
        };
        if let Some(exec) = select(&op, false) {
            op.exec = exec;
        }
        op
    }

    /// The linear address of the memory operand of kind `K` (`MEMB`: it
    /// has a base register and no index register).
    #[inline(always)]
    fn ea<const K: u8>(&self, cpu: &Cpu) -> u32 {
        let a = self
            .disp
            .wrapping_add(cpu.seg_base[usize::from(self.seg & 7)]);
        if K == MEMB {
            return a.wrapping_add(reg(cpu, self.base));
        }
        let a = a.wrapping_add(reg(cpu, self.base) & self.base_mask);
        a.wrapping_add((reg(cpu, self.index) & self.index_mask) << (self.scale & 3))
    }
}

/// A 32-bit register by index; masking the index (always below 8 anyway)
/// spares the bounds check on the hot path.
#[inline(always)]
fn reg(cpu: &Cpu, r: u8) -> u32 {
    cpu.regs[usize::from(r & 7)]
}

#[inline(always)]
fn reg_mut(cpu: &mut Cpu, r: u8) -> &mut u32 {
    &mut cpu.regs[usize::from(r & 7)]
}

fn is_imm(k: OpKind) -> bool {
    matches!(
        k,
        OpKind::Immediate8
            | OpKind::Immediate16
            | OpKind::Immediate32
            | OpKind::Immediate8to16
            | OpKind::Immediate8to32
    )
}

/// Operand kinds as const-generic parameters.
const R: u8 = 0;
const MEM: u8 = 1;
/// A memory operand with a base register and no index register (the common
/// `[reg+disp]`): its address takes a few instructions fewer.
const MEMB: u8 = 3;

#[inline(always)]
const fn is_mem(k: u8) -> bool {
    k == MEM || k == MEMB
}
const IMM: u8 = 2;

/// ALU operations as const-generic parameters.
const ADD: u8 = 0;
const OR: u8 = 1;
const ADC: u8 = 2;
const SBB: u8 = 3;
const AND: u8 = 4;
const SUB: u8 = 5;
const XOR: u8 = 6;
const CMP: u8 = 7;
const TEST: u8 = 8;

/// The truth table of a condition over ZF, CF and SF ≠ OF, for the
/// conditions that depend on nothing else (all but `o`, `s`, `p` and their
/// negations, which are not fused).
fn cond_table(cc: ConditionCode) -> Option<u8> {
    use ConditionCode as C;
    let taken: fn(bool, bool, bool) -> bool = match cc {
        C::e => |z, _, _| z,
        C::ne => |z, _, _| !z,
        C::b => |_, c, _| c,
        C::ae => |_, c, _| !c,
        C::be => |z, c, _| z || c,
        C::a => |z, c, _| !z && !c,
        C::l => |_, _, l| l,
        C::ge => |_, _, l| !l,
        C::le => |z, _, l| z || l,
        C::g => |z, _, l| !z && !l,
        _ => return None,
    };
    Some(
        (0..8u8)
            .filter(|&i| taken(i & 1 != 0, i & 2 != 0, i & 4 != 0))
            .fold(0, |t, i| t | 1 << i),
    )
}

/// Fuses a block's final `cmp`/`test` + `jcc` pair into the compare; the
/// caller then drops the `jcc` op. True if fused.
pub(crate) fn fuse_branch(ops: &mut [Op]) -> bool {
    let [.., prev, last] = ops else { return false };
    let is_jcc = last.insn.condition_code() != ConditionCode::None
        && last.insn.op0_kind() == OpKind::NearBranch32
        && !matches!(
            last.insn.mnemonic(),
            M::Loop | M::Loope | M::Loopne | M::Jecxz | M::Jcxz
        );
    let Some(table) = cond_table(last.cc) else {
        return false;
    };
    if !is_jcc || !matches!(prev.insn.mnemonic(), M::Cmp | M::Test) {
        return false;
    }
    match select(prev, true) {
        Some(h) => {
            prev.exec = h;
            prev.cc_table = table;
            prev.target = last.imm;
            true
        }
        None => false,
    }
}

/// Picks a specialised handler for a hot form (`None`: use [`generic`]).
/// With `fused`, only compares with a specialised form qualify and get the
/// compare-and-branch handler; `None` means no specialised handler.
fn select(op: &Op, fused: bool) -> Option<Handler> {
    let insn = &op.insn;
    // `lock` is validated by the generic dispatcher; 16-bit addresses wrap.
    if insn.has_lock_prefix() || is_addr16(insn) {
        return None;
    }
    // Operand kind at width `w` (32, 16 or 8 bits).
    let kind_at = |n: u32, w: u32| -> Option<u8> {
        if n >= insn.op_count() {
            return None;
        }
        let (regs, imms) = match w {
            32 => (
                Register::EAX..=Register::EDI,
                [OpKind::Immediate32, OpKind::Immediate8to32],
            ),
            16 => (
                Register::AX..=Register::DI,
                [OpKind::Immediate16, OpKind::Immediate8to16],
            ),
            _ => (
                Register::AL..=Register::BH,
                [OpKind::Immediate8, OpKind::Immediate8],
            ),
        };
        match insn.op_kind(n) {
            OpKind::Register if regs.contains(&insn.op_register(n)) => Some(R),
            OpKind::Memory if insn.memory_size().size() as u32 * 8 == w => Some(MEM),
            k if imms.contains(&k) => Some(IMM),
            _ => None,
        }
    };
    // The width at which both operands have a kind, and those kinds.
    let (w, k0, k1) = [32, 8, 16]
        .into_iter()
        .map(|w| (w, kind_at(0, w), kind_at(1, w)))
        .find(|&(_, a, b)| a.is_some() && (b.is_some() || insn.op_count() == 1))
        .unwrap_or((0, None, None));
    // `mov` and the ALU forms are specialised for `[reg+disp]` addresses.
    let base_only = insn.memory_index() == Register::None && insn.memory_base() != Register::None;
    macro_rules! widths {
        ($f:ident, $($p:expr),*) => {
            match w {
                32 => $f::<$($p,)* 32>,
                16 => $f::<$($p,)* 16>,
                _ => $f::<$($p,)* 8>,
            }
        };
    }
    macro_rules! forms {
        ($f:ident, $($p:expr),*) => {
            match (k0, k1) {
                (Some(R), Some(R)) => widths!($f, $($p,)* R, R),
                (Some(R), Some(MEM)) if base_only => widths!($f, $($p,)* R, MEMB),
                (Some(R), Some(MEM)) => widths!($f, $($p,)* R, MEM),
                (Some(MEM), Some(R)) if base_only => widths!($f, $($p,)* MEMB, R),
                (Some(MEM), Some(R)) => widths!($f, $($p,)* MEM, R),
                (Some(R), Some(IMM)) => widths!($f, $($p,)* R, IMM),
                (Some(MEM), Some(IMM)) if base_only => widths!($f, $($p,)* MEMB, IMM),
                (Some(MEM), Some(IMM)) => widths!($f, $($p,)* MEM, IMM),
                _ => return None,
            }
        };
    }
    macro_rules! alu {
        ($op:expr) => {
            forms!(alu, { $op })
        };
    }
    if fused {
        return Some(match insn.mnemonic() {
            M::Cmp => forms!(alu_jcc, { CMP }),
            _ => forms!(alu_jcc, { TEST }),
        });
    }
    Some(match insn.mnemonic() {
        M::Mov => forms!(mov,),
        M::Add => alu!(ADD),
        M::Or => alu!(OR),
        M::Adc => alu!(ADC),
        M::Sbb => alu!(SBB),
        M::And => alu!(AND),
        M::Sub => alu!(SUB),
        M::Xor => alu!(XOR),
        M::Cmp => alu!(CMP),
        M::Test => alu!(TEST),
        M::Inc | M::Dec => {
            let inc = insn.mnemonic() == M::Inc;
            match (inc, k0) {
                (true, Some(R)) => widths!(inc_dec, true, R),
                (true, Some(MEM)) => widths!(inc_dec, true, MEM),
                (false, Some(R)) => widths!(inc_dec, false, R),
                (false, Some(MEM)) => widths!(inc_dec, false, MEM),
                _ => return None,
            }
        }
        M::Lea if kind_at(0, 32) == Some(R) => lea,
        M::Push if k0 == Some(R) && w == 32 => push::<R>,
        M::Push if k0 == Some(IMM) && w == 32 => push::<IMM>,
        M::Push if k0 == Some(MEM) && w == 32 => push::<MEM>,
        M::Pop if k0 == Some(R) && w == 32 && op.r0 != 4 => pop_reg,
        M::Imul if insn.op_count() > 1 && w == 32 && k0 == Some(R) => {
            match (insn.op_count() == 3, k1) {
                (false, Some(R)) => imul::<R, false>,
                (false, Some(MEM)) => imul::<MEM, false>,
                (true, Some(R)) => imul::<R, true>,
                (true, Some(MEM)) => imul::<MEM, true>,
                _ => return None,
            }
        }
        M::Shl | M::Shr | M::Sar
            if kind_at(0, 32) == Some(R) && insn.op1_kind() == OpKind::Immediate8 =>
        {
            match insn.mnemonic() {
                M::Shl => shift_imm::<0>,
                M::Shr => shift_imm::<1>,
                _ => shift_imm::<2>,
            }
        }
        M::Movzx | M::Movsx if kind_at(0, 32) == Some(R) => {
            let zx = insn.mnemonic() == M::Movzx;
            match (zx, kind_at(1, 8), kind_at(1, 16)) {
                (true, Some(R), _) => extend::<R, 8, false>,
                (true, Some(MEM), _) => extend::<MEM, 8, false>,
                (true, _, Some(R)) => extend::<R, 16, false>,
                (true, _, Some(MEM)) => extend::<MEM, 16, false>,
                (false, Some(R), _) => extend::<R, 8, true>,
                (false, Some(MEM), _) => extend::<MEM, 8, true>,
                (false, _, Some(R)) => extend::<R, 16, true>,
                (false, _, Some(MEM)) => extend::<MEM, 16, true>,
                _ => return None,
            }
        }
        M::Ja
        | M::Jae
        | M::Jb
        | M::Jbe
        | M::Je
        | M::Jg
        | M::Jge
        | M::Jl
        | M::Jle
        | M::Jne
        | M::Jno
        | M::Jnp
        | M::Jns
        | M::Jo
        | M::Jp
        | M::Js
            if insn.op0_kind() == OpKind::NearBranch32 =>
        {
            jcc
        }
        M::Jmp if insn.op0_kind() == OpKind::NearBranch32 => jmp,
        M::Call if insn.op0_kind() == OpKind::NearBranch32 => call,
        M::Ret if insn.op_count() == 0 && insn.stack_pointer_increment() == 4 => ret,
        _ => return None,
    })
}

/// Everything without a specialised handler. `eip` is set past the
/// instruction for it, and put back to the block's fall-through address
/// afterwards unless the instruction is the block's branch.
pub(crate) fn generic(cpu: &mut Cpu, mem: &mut AddressSpace, op: &Op) -> Flow {
    let fallthrough = cpu.eip;
    cpu.eip = op.insn.next_ip32();
    cpu.step(mem, &op.insn)?;
    if op.insn.flow_control() == FlowControl::Next {
        cpu.eip = fallthrough;
    }
    check_code_written(mem)
}

/// The operand size of width `W` (32, 16 or 8 bits).
#[inline(always)]
const fn size_of<const W: u32>() -> Size {
    match W {
        32 => Size::D,
        16 => Size::W,
        _ => Size::B,
    }
}

/// Reads a register at width `W`.
#[inline(always)]
fn get<const W: u32>(cpu: &Cpu, reg: u8, shift: u8) -> u32 {
    match W {
        32 => self::reg(cpu, reg),
        _ => (self::reg(cpu, reg) >> shift) & size_of::<W>().mask(),
    }
}

#[inline(always)]
fn set<const W: u32>(cpu: &mut Cpu, reg: u8, shift: u8, v: u32) {
    let r = reg_mut(cpu, reg);
    let m = size_of::<W>().mask();
    *r = match W {
        32 => v,
        _ => (*r & !(m << shift)) | (v & m) << shift,
    };
}

#[inline(always)]
fn load<const W: u32>(mem: &mut AddressSpace, addr: u32) -> Result<u32, Fault> {
    Ok(match W {
        32 => mem.read_u32(addr)?,
        16 => u32::from(mem.read_u16(addr)?),
        _ => u32::from(mem.read_u8(addr)?),
    })
}

#[inline(always)]
fn store<const W: u32>(mem: &mut AddressSpace, addr: u32, v: u32) -> Result<(), Fault> {
    match W {
        32 => mem.write_u32(addr, v)?,
        16 => mem.write_u16(addr, v as u16)?,
        _ => mem.write_u8(addr, v as u8)?,
    }
    Ok(())
}

/// What a handler with destination kind `D` returns once done: a store
/// may have hit a page holding decoded code.
#[inline(always)]
fn stored<const D: u8>(mem: &AddressSpace) -> Flow {
    match D {
        MEM | MEMB => check_code_written(mem),
        _ => Ok(()),
    }
}

/// Loads through the TLB only (`None` on a miss).
#[inline(always)]
fn load_hit<const W: u32>(mem: &AddressSpace, addr: u32) -> Option<u32> {
    Some(match W {
        32 => u32::from_le_bytes(mem.read_hit(addr)?),
        16 => u32::from(u16::from_le_bytes(mem.read_hit(addr)?)),
        _ => u32::from(mem.read_hit::<1>(addr)?[0]),
    })
}

/// Stores through the TLB only (`false` on a miss, nothing written). A hit
/// never writes decoded code, so no [`check_code_written`] is due.
#[inline(always)]
fn store_hit<const W: u32>(mem: &mut AddressSpace, addr: u32, v: u32) -> bool {
    match W {
        32 => mem.write_hit(addr, v.to_le_bytes()),
        16 => mem.write_hit(addr, (v as u16).to_le_bytes()),
        _ => mem.write_hit(addr, [v as u8]),
    }
}

/// Reads an operand of kind `K` like [`read`], but memory only through the
/// TLB (`None` on a miss).
#[inline(always)]
fn read_hit<const K: u8, const W: u32>(
    cpu: &Cpu,
    mem: &AddressSpace,
    op: &Op,
    reg: u8,
    shift: u8,
) -> Option<u32> {
    match K {
        R => Some(get::<W>(cpu, reg, shift)),
        MEM | MEMB => load_hit::<W>(mem, op.ea::<K>(cpu)),
        _ => Some(op.imm & size_of::<W>().mask()),
    }
}

/// Defines handler `$name` as the call-free TLB-hit path `$hit` (which
/// returns `None` before changing any state when it misses), falling back
/// to the full path `$slow`. Keeping calls out of the hit path spares the
/// handler a stack frame.
macro_rules! hit_or_slow {
    ($(#[$doc:meta])* $name:ident, $hit:ident, $slow:ident, <$(const $p:ident: $t:ty),*>) => {
        $(#[$doc])*
        fn $name<$(const $p: $t),*>(cpu: &mut Cpu, mem: &mut AddressSpace, op: &Op) -> Flow {
            match $hit::<$($p),*>(cpu, mem, op) {
                Some(()) => Ok(()),
                None => $slow::<$($p),*>(cpu, mem, op),
            }
        }
    };
}

/// Reads the source operand (operand 1, or 0 for one-operand forms).
#[inline(always)]
fn read<const K: u8, const W: u32>(
    cpu: &Cpu,
    mem: &mut AddressSpace,
    op: &Op,
    reg: u8,
    shift: u8,
) -> Result<u32, Fault> {
    match K {
        R => Ok(get::<W>(cpu, reg, shift)),
        MEM | MEMB => load::<W>(mem, op.ea::<K>(cpu)),
        _ => Ok(op.imm & size_of::<W>().mask()),
    }
}

hit_or_slow!(mov, mov_hit, mov_slow, <const D: u8, const S: u8, const W: u32>);

#[inline(always)]
fn mov_hit<const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Option<()> {
    let v = read_hit::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    match D {
        R => set::<W>(cpu, op.r0, op.sh0, v),
        _ => store_hit::<W>(mem, op.ea::<D>(cpu), v).then_some(())?,
    }
    Some(())
}

#[cold]
#[inline(never)]
fn mov_slow<const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let v = read::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    match D {
        R => set::<W>(cpu, op.r0, op.sh0, v),
        _ => store::<W>(mem, op.ea::<D>(cpu), v)?,
    }
    stored::<D>(mem)
}

/// The result of ALU operation `OP` on `a` and `b`, and how its flags
/// are derived.
#[inline(always)]
fn alu_result<const OP: u8>(cpu: &Cpu, a: u32, b: u32) -> (FlagOp, u32) {
    match OP {
        ADD => (FlagOp::Add, a.wrapping_add(b)),
        ADC => (FlagOp::Adc, a.wrapping_add(b).wrapping_add(cpu.cf() as u32)),
        SUB | CMP => (FlagOp::Sub, a.wrapping_sub(b)),
        SBB => (FlagOp::Sbb, a.wrapping_sub(b).wrapping_sub(cpu.cf() as u32)),
        AND | TEST => (FlagOp::Logic, a & b),
        OR => (FlagOp::Logic, a | b),
        _ => (FlagOp::Logic, a ^ b),
    }
}

hit_or_slow!(alu, alu_hit, alu_slow, <const OP: u8, const D: u8, const S: u8, const W: u32>);

#[inline(always)]
fn alu_hit<const OP: u8, const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Option<()> {
    let b = read_hit::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    let addr = if is_mem(D) { op.ea::<D>(cpu) } else { 0 };
    let a = match D {
        R => get::<W>(cpu, op.r0, op.sh0),
        _ => load_hit::<W>(mem, addr)?,
    };
    let (flag_op, res) = alu_result::<OP>(cpu, a, b);
    if OP != CMP && OP != TEST {
        match D {
            R => set::<W>(cpu, op.r0, op.sh0, res),
            _ => store_hit::<W>(mem, addr, res).then_some(())?,
        }
    }
    cpu.set_lazy(flag_op, size_of::<W>(), a, b, res);
    Some(())
}

#[cold]
#[inline(never)]
fn alu_slow<const OP: u8, const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let b = read::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    let addr = if is_mem(D) { op.ea::<D>(cpu) } else { 0 };
    let a = match D {
        R => get::<W>(cpu, op.r0, op.sh0),
        _ => load::<W>(mem, addr)?,
    };
    let size = size_of::<W>();
    let (flag_op, res) = alu_result::<OP>(cpu, a, b);
    if OP != CMP && OP != TEST {
        match D {
            R => set::<W>(cpu, op.r0, op.sh0, res),
            _ => store::<W>(mem, addr, res)?,
        }
    }
    cpu.set_lazy(flag_op, size, a, b, res);
    if OP == CMP || OP == TEST {
        return Ok(());
    }
    stored::<D>(mem)
}

hit_or_slow!(
    /// `cmp`/`test` fused with the `jcc` that follows it: the branch is
    /// decided from the operands by the condition's truth table, without a
    /// dispatch on the condition. The flags are recorded as usual.
    alu_jcc, alu_jcc_hit, alu_jcc_slow, <const OP: u8, const D: u8, const S: u8, const W: u32>);

#[inline(always)]
fn alu_jcc_hit<const OP: u8, const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Option<()> {
    let b = read_hit::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    let a = match D {
        R => get::<W>(cpu, op.r0, op.sh0),
        _ => load_hit::<W>(mem, op.ea::<D>(cpu))?,
    };
    compare_branch::<OP, W>(cpu, op, a, b);
    Some(())
}

#[cold]
#[inline(never)]
fn alu_jcc_slow<const OP: u8, const D: u8, const S: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let b = read::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    let a = match D {
        R => get::<W>(cpu, op.r0, op.sh0),
        _ => load::<W>(mem, op.ea::<D>(cpu))?,
    };
    compare_branch::<OP, W>(cpu, op, a, b);
    Ok(())
}

/// Records the flags of compare `OP` and takes the fused branch if its
/// condition holds. Operands are `W` bits wide (`get`, `load` and `read`
/// mask them).
#[inline(always)]
fn compare_branch<const OP: u8, const W: u32>(cpu: &mut Cpu, op: &Op, a: u32, b: u32) {
    let size = size_of::<W>();
    let sign = size.sign();
    let (flag_op, res, zf, cf, lt) = match OP {
        // Flipping the sign bit maps signed order onto unsigned order.
        CMP => (
            FlagOp::Sub,
            a.wrapping_sub(b),
            a == b,
            a < b,
            (a ^ sign) < (b ^ sign),
        ),
        _ => (FlagOp::Logic, a & b, a & b == 0, false, a & b & sign != 0),
    };
    cpu.set_lazy(flag_op, size, a, b, res);
    if op.cc_table >> (zf as u32 | (cf as u32) << 1 | (lt as u32) << 2) & 1 != 0 {
        cpu.eip = op.target;
    }
}

fn inc_dec<const INC: bool, const D: u8, const W: u32>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let addr = if is_mem(D) { op.ea::<D>(cpu) } else { 0 };
    let a = match D {
        R => get::<W>(cpu, op.r0, op.sh0),
        _ => load::<W>(mem, addr)?,
    };
    let (flag_op, res) = if INC {
        (FlagOp::Inc, a.wrapping_add(1))
    } else {
        (FlagOp::Dec, a.wrapping_sub(1))
    };
    match D {
        R => set::<W>(cpu, op.r0, op.sh0, res),
        _ => store::<W>(mem, addr, res)?,
    }
    cpu.keep_cf();
    cpu.set_lazy(flag_op, size_of::<W>(), a, 1, res);
    stored::<D>(mem)
}

fn lea(cpu: &mut Cpu, _: &mut AddressSpace, op: &Op) -> Flow {
    // `lea` yields the offset: no segment base.
    *reg_mut(cpu, op.r0) = op
        .ea::<MEM>(cpu)
        .wrapping_sub(cpu.seg_base[usize::from(op.seg & 7)]);
    Ok(())
}

fn push<const S: u8>(cpu: &mut Cpu, mem: &mut AddressSpace, op: &Op) -> Flow {
    let v = read::<S, 32>(cpu, mem, op, op.r0, 0)?;
    cpu.push(mem, Size::D, v)?;
    check_code_written(mem)
}

fn pop_reg(cpu: &mut Cpu, mem: &mut AddressSpace, op: &Op) -> Flow {
    let v = cpu.peek(mem, Size::D)?;
    cpu.regs[4] = cpu.regs[4].wrapping_add(4);
    *reg_mut(cpu, op.r0) = v;
    Ok(())
}

hit_or_slow!(
    /// `imul r32, r/m32` and, with `IMM3`, `imul r32, r/m32, imm`.
    imul, imul_hit, imul_slow, <const S: u8, const IMM3: bool>);

#[inline(always)]
fn imul_hit<const S: u8, const IMM3: bool>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Option<()> {
    let b = read_hit::<S, 32>(cpu, mem, op, op.r1, 0)?;
    multiply::<IMM3>(cpu, op, b);
    Some(())
}

#[cold]
#[inline(never)]
fn imul_slow<const S: u8, const IMM3: bool>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let b = read::<S, 32>(cpu, mem, op, op.r1, 0)?;
    multiply::<IMM3>(cpu, op, b);
    Ok(())
}

/// The `imul` proper, once the source operand `b` is read.
#[inline(always)]
fn multiply<const IMM3: bool>(cpu: &mut Cpu, op: &Op, b: u32) {
    let a = if IMM3 { op.imm } else { reg(cpu, op.r0) };
    let p = i64::from(a as i32) * i64::from(b as i32);
    let wide = p != i64::from(p as i32);
    *reg_mut(cpu, op.r0) = p as u32;
    cpu.set_result_flags(Size::D, p as u32, wide, wide);
}

/// `shl`/`shr`/`sar r32, imm8` (KIND 0, 1, 2).
fn shift_imm<const KIND: u8>(cpu: &mut Cpu, _: &mut AddressSpace, op: &Op) -> Flow {
    let count = op.imm & 31;
    if count == 0 {
        return Ok(());
    }
    let a = reg(cpu, op.r0);
    let (res, cf, of) = match KIND {
        0 => {
            let res = a << count;
            let cf = (a >> (32 - count)) & 1 != 0;
            (res, cf, (res >> 31 != 0) != cf)
        }
        1 => (a >> count, (a >> (count - 1)) & 1 != 0, a >> 31 != 0),
        _ => (
            ((a as i32) >> count) as u32,
            ((a as i32) >> (count - 1)) & 1 != 0,
            false,
        ),
    };
    *reg_mut(cpu, op.r0) = res;
    cpu.set_result_flags(Size::D, res, cf, of);
    Ok(())
}

hit_or_slow!(
    /// `movzx`/`movsx r32, r/m8` and `r32, r/m16`.
    extend, extend_hit, extend_slow, <const S: u8, const W: u32, const SIGNED: bool>);

#[inline(always)]
fn extend_hit<const S: u8, const W: u32, const SIGNED: bool>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Option<()> {
    let v = read_hit::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    *reg_mut(cpu, op.r0) = widen::<W, SIGNED>(v);
    Some(())
}

#[inline(always)]
fn widen<const W: u32, const SIGNED: bool>(v: u32) -> u32 {
    if SIGNED {
        size_of::<W>().sext(v)
    } else {
        v
    }
}

#[cold]
#[inline(never)]
fn extend_slow<const S: u8, const W: u32, const SIGNED: bool>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    op: &Op,
) -> Flow {
    let v = read::<S, W>(cpu, mem, op, op.r1, op.sh1)?;
    *reg_mut(cpu, op.r0) = widen::<W, SIGNED>(v);
    Ok(())
}

/// Branches end their block, so `eip` already holds the fall-through.
fn jcc(cpu: &mut Cpu, _: &mut AddressSpace, op: &Op) -> Flow {
    if cpu.cond(op.cc) {
        cpu.eip = op.imm;
    }
    Ok(())
}

fn jmp(cpu: &mut Cpu, _: &mut AddressSpace, op: &Op) -> Flow {
    cpu.eip = op.imm;
    Ok(())
}

fn call(cpu: &mut Cpu, mem: &mut AddressSpace, op: &Op) -> Flow {
    cpu.push(mem, Size::D, op.insn.next_ip32())?;
    cpu.eip = op.imm;
    check_code_written(mem)
}

fn ret(cpu: &mut Cpu, mem: &mut AddressSpace, _: &Op) -> Flow {
    cpu.eip = cpu.peek(mem, Size::D)?;
    cpu.regs[4] = cpu.regs[4].wrapping_add(4);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::{Decoder, DecoderOptions};

    /// Every fused compare-and-branch decides as the lazy flags would.
    #[test]
    fn fused_branches_agree_with_flags() {
        let values = [
            0u32,
            1,
            2,
            0x7f,
            0x80,
            0xff,
            0x7fff,
            0x8000,
            0xffff,
            0x7fff_ffff,
            0x8000_0000,
            u32::MAX,
        ];
        // cmp eax, ebx; cmp al, bl; cmp ax, bx; test eax, ebx; test bl, al
        let compares: [&[u8]; 5] = [
            &[0x39, 0xd8],
            &[0x38, 0xd8],
            &[0x66, 0x39, 0xd8],
            &[0x85, 0xd8],
            &[0x84, 0xc3],
        ];
        let mut mem = AddressSpace::new();
        let mut fused = 0;
        for compare in compares {
            for cc in 0..16u8 {
                let mut code = compare.to_vec();
                code.extend([0x70 + cc, 0x10]); // jcc +0x10
                let mut decoder = Decoder::with_ip(32, &code, 0x1000, DecoderOptions::NONE);
                let mut ops: Vec<Op> = (0..2).map(|i| Op::new(decoder.decode(), i)).collect();
                if !fuse_branch(&mut ops) {
                    continue;
                }
                fused += 1;
                let fallthrough = ops[1].insn.next_ip32();
                for &a in &values {
                    for &b in &values {
                        let mut cpu = Cpu::new();
                        cpu.regs[0] = a;
                        cpu.regs[3] = b;
                        cpu.eip = fallthrough;
                        (ops[0].exec)(&mut cpu, &mut mem, &ops[0]).unwrap();
                        let taken = cpu.eip != fallthrough;
                        assert_eq!(
                            taken,
                            cpu.cond(ops[1].cc),
                            "{:?} {:#x} {:#x}",
                            ops[1].insn,
                            a,
                            b
                        );
                    }
                }
            }
        }
        // Ten conditions fuse with each compare.
        assert_eq!(fused, 50);
    }
}

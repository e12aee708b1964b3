//! The SIMD units: MMX, SSE, SSE2, SSE3 and SSSE3.
//!
//! - MMX: eight 64-bit registers that are the significands of the x87
//!   registers (`Fpu::mmx`). Every MMX instruction but `emms` sets TOP to 0
//!   and marks all x87 registers valid, as the hardware does, and first
//!   reports a pending x87 exception (#MF).
//! - SSE/SSE2/SSE3: eight 128-bit XMM registers and MXCSR ([`Sse`], kept in
//!   the [`Fpu`](crate::Fpu), so that whatever saves the FPU state —
//!   `fxsave`, the kernel around a signal handler — keeps both). Floating-point lanes are IEEE-exact in every MXCSR rounding
//!   mode with DAZ/FTZ and the hardware's NaN rules and exception flags
//!   (`float`). An unmasked exception leaves the destination unchanged and
//!   exits with [`Exit::FpuError`] (#XM is reported like #MF: SIGFPE).
//!   `rcpps`/`rsqrtps` and their scalar forms return the correctly rounded
//!   value, which is within the hardware's documented error but not its
//!   table-driven bits.
//! - SSSE3: the byte shuffle, horizontal adds, sign, abs, `palignr`, the
//!   multiply-add and rounding multiply.
//!
//! Legacy-SSE 16-byte memory operands must be aligned (#GP) except for
//! `movups`/`movupd`/`movdqu`/`lddqu`. Not implemented: SSE4 and later
//! (#UD; CPUID does not advertise them), `monitor`/`mwait`.
//!
//! Modules: `state` (registers, MXCSR bits), `lanes` (lane access),
//! `integer` (packed integers, MMX and SSE2 forms alike), `float` (scalar
//! soft-float), `fp` (packed and scalar floating-point instructions and
//! conversions), `moves` (data movement, MXCSR, `fxsave`, `emms`).

mod float;
mod fp;
mod integer;
mod lanes;
mod moves;
mod state;

use iced_x86::{Instruction, Mnemonic as M, OpKind, Register};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::operand::{gpr, seg_index};
use crate::{Cpu, Exit};
pub(crate) use state::{Sse, MXCSR_MASK};

type Handler = fn(&mut Cpu, &mut AddressSpace, &Instruction) -> Step;

/// Runs `insn` if it is a SIMD instruction; `None` if it is not.
pub(crate) fn execute(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Option<Step> {
    let m = insn.mnemonic();
    let run = integer::handler(m)
        .or_else(|| fp::handler(m))
        .or_else(|| moves::handler(m))?;
    let mmx = uses_mmx(insn);
    if mmx && cpu.fpu.pending() {
        return Some(Err(Exit::FpuError));
    }
    let result = run(cpu, mem, insn);
    if mmx && result.is_ok() {
        cpu.fpu.enter_mmx();
    }
    Some(result)
}

fn uses_mmx(insn: &Instruction) -> bool {
    (0..insn.op_count()).any(|n| insn.op_kind(n) == OpKind::Register && insn.op_register(n).is_mm())
}

/// Bytes in the vector registers `insn` works on: 8 for MMX, 16 for XMM.
fn width(insn: &Instruction) -> u32 {
    if uses_mmx(insn) {
        8
    } else {
        16
    }
}

/// The immediate byte of `insn` (shuffle controls, predicates).
fn imm(insn: &Instruction) -> u32 {
    u32::from(insn.immediate8())
}

/// Where an operand of a SIMD instruction lives.
#[derive(Clone, Copy)]
enum Opnd {
    Xmm(usize),
    Mmx(usize),
    Gpr(usize),
    /// A linear address; the access size is the instruction's memory size.
    Mem(u32),
    Imm(u64),
}

/// Operand `n` of `insn`. A 16-byte memory operand of an instruction that
/// requires alignment and is not aligned is #GP.
fn operand(cpu: &Cpu, insn: &Instruction, n: u32) -> Result<Opnd, Exit> {
    Ok(match insn.op_kind(n) {
        OpKind::Register => {
            let r = insn.op_register(n);
            if r.is_xmm() {
                Opnd::Xmm(r as usize - Register::XMM0 as usize)
            } else if r.is_mm() {
                Opnd::Mmx(r as usize - Register::MM0 as usize)
            } else {
                Opnd::Gpr(gpr(r).0)
            }
        }
        OpKind::Memory => {
            let a = cpu.effective_address(insn);
            if !a.is_multiple_of(16)
                && insn.memory_size().size() == 16
                && !unaligned_ok(insn.mnemonic())
            {
                return Err(Exit::GeneralProtection);
            }
            Opnd::Mem(a)
        }
        // `maskmovq`/`maskmovdqu` store to ds:[edi].
        OpKind::MemorySegEDI => {
            Opnd::Mem(cpu.regs[7].wrapping_add(cpu.seg_base[seg_index(insn.memory_segment())]))
        }
        _ => Opnd::Imm(insn.immediate(n)),
    })
}

fn unaligned_ok(m: M) -> bool {
    matches!(m, M::Movups | M::Movupd | M::Movdqu | M::Lddqu)
}

/// Reads an operand, zero-extended to 128 bits.
fn read(cpu: &Cpu, mem: &mut AddressSpace, insn: &Instruction, o: Opnd) -> Result<u128, Exit> {
    Ok(match o {
        Opnd::Xmm(i) => cpu.fpu.sse.xmm[i],
        Opnd::Mmx(i) => cpu.fpu.mmx(i).into(),
        Opnd::Gpr(i) => cpu.regs[i].into(),
        Opnd::Mem(a) => {
            let mut b = [0; 16];
            let n = insn.memory_size().size().min(16);
            mem.read_bytes(a, &mut b[..n]).map_err(Exit::PageFault)?;
            u128::from_le_bytes(b)
        }
        Opnd::Imm(v) => v.into(),
    })
}

/// Writes an operand: a whole XMM register, the low 64 bits to an MMX
/// register, the low 32 to a general one, the memory size to memory.
fn write(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction, o: Opnd, v: u128) -> Step {
    match o {
        Opnd::Xmm(i) => cpu.fpu.sse.xmm[i] = v,
        Opnd::Mmx(i) => cpu.fpu.set_mmx(i, v as u64),
        Opnd::Gpr(i) => cpu.regs[i] = v as u32,
        Opnd::Mem(a) => {
            let n = insn.memory_size().size().min(16);
            mem.write_bytes(a, &v.to_le_bytes()[..n])
                .map_err(Exit::PageFault)?;
        }
        Opnd::Imm(_) => {}
    }
    Ok(())
}

/// The common shape `op0 = f(op0, op1)`. A memory destination is not read
/// (`f` gets 0 for it): only stores have one.
fn combine(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    f: impl FnOnce(u128, u128) -> u128,
) -> Step {
    let (d, s) = (operand(cpu, insn, 0)?, operand(cpu, insn, 1)?);
    let a = match d {
        Opnd::Mem(_) => 0,
        _ => read(cpu, mem, insn, d)?,
    };
    let b = read(cpu, mem, insn, s)?;
    write(cpu, mem, insn, d, f(a, b))
}

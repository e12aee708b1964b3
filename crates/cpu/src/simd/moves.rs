//! Data movement between SIMD registers, general registers and memory
//! (including the non-temporal stores, which are plain stores here), and
//! the state instructions: `ldmxcsr`/`stmxcsr`, `fxsave`/`fxrstor`,
//! `emms`, `clflush`.

use iced_x86::{Instruction, Mnemonic as M, OpKind};
use tabvm_mem::AddressSpace;

use super::lanes::{build, get};
use super::state::MXCSR_MASK;
use super::{combine, operand, read, write, Handler, Opnd};
use crate::exec::Step;
use crate::x87::FXSAVE_SIZE;
use crate::{Cpu, Exit, Fpu};

const LOW64: u128 = u64::MAX as u128;
const LOW32: u128 = u32::MAX as u128;

pub(super) fn handler(m: M) -> Option<Handler> {
    Some(match m {
        // Whole registers; memory operands move the instruction's size.
        M::Movdqa
        | M::Movdqu
        | M::Movaps
        | M::Movups
        | M::Movapd
        | M::Movupd
        | M::Lddqu
        | M::Movntdq
        | M::Movntps
        | M::Movntpd
        | M::Movntq
        | M::Movnti => |c, m, i| combine(c, m, i, |_, b| b),
        // The low 32 or 64 bits, zero-extended into a register.
        M::Movd => |c, m, i| combine(c, m, i, |_, b| b & LOW32),
        M::Movq | M::Movq2dq | M::Movdq2q => |c, m, i| combine(c, m, i, |_, b| b & LOW64),
        // Scalars: from memory the rest is zeroed, between registers kept.
        M::Movss => |c, m, i| scalar_move(c, m, i, LOW32),
        M::Movsd => |c, m, i| scalar_move(c, m, i, LOW64),
        M::Movlps | M::Movlpd => |c, m, i| combine(c, m, i, |a, b| a & !LOW64 | b & LOW64),
        M::Movhps | M::Movhpd => |c, m, i| {
            let to_mem = i.op0_kind() == OpKind::Memory;
            combine(
                c,
                m,
                i,
                |a, b| {
                    if to_mem {
                        b >> 64
                    } else {
                        a & LOW64 | b << 64
                    }
                },
            )
        },
        M::Movhlps => |c, m, i| combine(c, m, i, |a, b| a & !LOW64 | b >> 64),
        M::Movlhps => |c, m, i| combine(c, m, i, |a, b| a & LOW64 | b << 64),
        M::Movddup => |c, m, i| combine(c, m, i, |_, b| build(64, 2, |_| b as u64)),
        M::Movshdup => |c, m, i| combine(c, m, i, |_, b| build(32, 4, |k| get(b, 32, k | 1))),
        M::Movsldup => |c, m, i| combine(c, m, i, |_, b| build(32, 4, |k| get(b, 32, k & !1))),
        M::Maskmovq | M::Maskmovdqu => masked_store,
        M::Emms => |c, _, _| {
            c.fpu.emms();
            Ok(())
        },
        M::Ldmxcsr => |c, m, i| {
            let v = read(c, m, i, operand(c, i, 0)?)? as u32;
            if v & !MXCSR_MASK != 0 {
                return Err(Exit::GeneralProtection);
            }
            c.fpu.sse.mxcsr = v;
            Ok(())
        },
        M::Stmxcsr => |c, m, i| {
            let v = c.fpu.sse.mxcsr;
            write(c, m, i, operand(c, i, 0)?, v.into())
        },
        M::Fxsave => fxsave,
        M::Fxrstor => fxrstor,
        // A flush is a no-op, but faults like a read of the byte.
        M::Clflush => |c, m, i| {
            m.read_u8(c.effective_address(i)).map_err(Exit::PageFault)?;
            Ok(())
        },
        _ => return None,
    })
}

/// `movss`/`movsd`: `low` bits of the source. A register destination keeps
/// its other bits unless the source is memory; a memory one gets `low`.
fn scalar_move(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction, low: u128) -> Step {
    let from_mem = insn.op1_kind() == OpKind::Memory;
    combine(cpu, mem, insn, |a, b| {
        if from_mem {
            b & low
        } else {
            a & !low | b & low
        }
    })
}

/// `maskmovq`/`maskmovdqu`: the bytes of the data operand whose mask byte
/// has its top bit set, stored to ds:[edi].
fn masked_store(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let Opnd::Mem(at) = operand(cpu, insn, 0)? else {
        return Err(Exit::InvalidOpcode);
    };
    let (data, mask) = (operand(cpu, insn, 1)?, operand(cpu, insn, 2)?);
    let (data, mask) = (read(cpu, mem, insn, data)?, read(cpu, mem, insn, mask)?);
    let n = super::width(insn);
    for k in 0..n {
        if get(mask, 8, k) & 0x80 != 0 {
            mem.write_u8(at.wrapping_add(k), get(data, 8, k) as u8)
                .map_err(Exit::PageFault)?;
        }
    }
    Ok(())
}

/// The 512-byte image operand of `fxsave`/`fxrstor`: 16-byte aligned.
fn image_address(cpu: &Cpu, insn: &Instruction) -> Result<u32, Exit> {
    let at = cpu.effective_address(insn);
    if !at.is_multiple_of(16) {
        return Err(Exit::GeneralProtection);
    }
    Ok(at)
}

fn fxsave(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let at = image_address(cpu, insn)?;
    let image = cpu.fpu.fxsave_image();
    mem.write_bytes(at, Fpu::fxsave_used(&image))
        .map_err(Exit::PageFault)
}

fn fxrstor(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let at = image_address(cpu, insn)?;
    let mut image = [0; FXSAVE_SIZE];
    mem.read_bytes(at, &mut image).map_err(Exit::PageFault)?;
    if !cpu.fpu.load_fxsave_image(&image) {
        return Err(Exit::GeneralProtection);
    }
    Ok(())
}

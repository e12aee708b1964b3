//! x87 instructions that move data between memory and the FPU: values in
//! every memory format (`fld`, `fild`, `fbld`, `fst`, `fist`, `fbstp`…), the
//! control and status words, and the environment and save images.
//!
//! Loads read memory before touching the FPU and stores write memory before
//! committing flags or popping, so a page fault leaves the FPU unchanged.
//! Tested through `exec.rs`.

use iced_x86::{Instruction, MemorySize, OpKind};
use rustc_apfloat::Round;
use tabvm_mem::AddressSpace;

use super::exec::{st, unless_underflow};
use super::f80::{Constant, Exc, F80};
use super::stack::{ENV_SIZE, SAVE_SIZE};
use crate::{Cpu, Exit};

/// `fninit`, and the end of `fnsave`.
pub(super) fn reset(cpu: &mut Cpu) -> Result<(), Exit> {
    cpu.fpu.init();
    Ok(())
}

fn read_bytes<const N: usize>(
    cpu: &Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<[u8; N], Exit> {
    let mut b = [0; N];
    mem.read_bytes(cpu.effective_address(insn), &mut b)
        .map_err(Exit::PageFault)?;
    Ok(b)
}

fn write_bytes(
    cpu: &Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    b: &[u8],
) -> Result<(), Exit> {
    mem.write_bytes(cpu.effective_address(insn), b)
        .map_err(Exit::PageFault)
}

/// `fnstcw`/`fnstsw`: to m16, or to AX.
pub(super) fn store_word(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    w: u16,
) -> Result<(), Exit> {
    if insn.op0_kind() == OpKind::Memory {
        write_bytes(cpu, mem, insn, &w.to_le_bytes())
    } else {
        cpu.regs[0] = (cpu.regs[0] & 0xffff_0000) | u32::from(w);
        Ok(())
    }
}

pub(super) fn load_control(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    let b = read_bytes::<2>(cpu, mem, insn)?;
    cpu.fpu.load_control(u16::from_le_bytes(b));
    Ok(())
}

/// Only the 32-bit images exist in Linux programs; the 16-bit ones (operand
/// size prefix) are not implemented.
fn image_size(insn: &Instruction, want: MemorySize) -> Result<(), Exit> {
    if insn.memory_size() == want {
        Ok(())
    } else {
        Err(Exit::InvalidOpcode)
    }
}

pub(super) fn save_env(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    image_size(insn, MemorySize::FpuEnv28)?;
    write_bytes(cpu, mem, insn, &cpu.fpu.env_image())?;
    cpu.fpu.mask_all();
    Ok(())
}

pub(super) fn load_env(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    image_size(insn, MemorySize::FpuEnv28)?;
    let b = read_bytes::<ENV_SIZE>(cpu, mem, insn)?;
    cpu.fpu.load_env(&b);
    Ok(())
}

pub(super) fn save_state(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    image_size(insn, MemorySize::FpuState108)?;
    write_bytes(cpu, mem, insn, &cpu.fpu.save_image())?;
    reset(cpu)
}

pub(super) fn load_state(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    image_size(insn, MemorySize::FpuState108)?;
    let b = read_bytes::<SAVE_SIZE>(cpu, mem, insn)?;
    cpu.fpu.load_image(&b);
    Ok(())
}

/// The memory operand as a value: m32/m64/m80 real, m16/m32/m64 integer,
/// m80 BCD. Loading a denormal or SNaN single/double raises DE/IE.
fn load_memory(cpu: &Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Result<(F80, Exc), Exit> {
    let size = insn.memory_size();
    let mut b = [0; 10];
    let n = size.size();
    if n > b.len() {
        return Err(Exit::InvalidOpcode);
    }
    mem.read_bytes(cpu.effective_address(insn), &mut b[..n])
        .map_err(Exit::PageFault)?;
    let u64_at = |n: usize| {
        let mut w = [0; 8];
        w[..n].copy_from_slice(&b[..n]);
        u64::from_le_bytes(w)
    };
    Ok(match size {
        MemorySize::Float32 => F80::from_f32(u64_at(4) as u32),
        MemorySize::Float64 => F80::from_f64(u64_at(8)),
        MemorySize::Float80 => (F80::from_bytes(b), 0),
        MemorySize::Int16 => (F80::from_int(i64::from(u64_at(2) as i16)), 0),
        MemorySize::Int32 => (F80::from_int(i64::from(u64_at(4) as i32)), 0),
        MemorySize::Int64 => (F80::from_int(u64_at(8) as i64), 0),
        MemorySize::Bcd => (F80::from_bcd(b), 0),
        _ => return Err(Exit::InvalidOpcode),
    })
}

/// The source operand of a two-operand instruction: memory, or ST(i).
pub(super) fn source(
    cpu: &Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(F80, Exc), Exit> {
    match insn.op_count() {
        _ if insn.op0_kind() == OpKind::Memory => load_memory(cpu, mem, insn),
        0 => Ok(cpu.fpu.get(1)),
        1 => Ok(cpu.fpu.get(st(insn, 0))),
        _ => Ok(cpu.fpu.get(st(insn, 1))),
    }
}

/// `fld`/`fild`/`fbld`: push a memory operand or ST(i).
pub(super) fn load_push(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Result<(), Exit> {
    let (v, exc) = source(cpu, mem, insn)?;
    cpu.fpu.push(unless_underflow(exc, v), exc);
    Ok(())
}

pub(super) fn push_constant(cpu: &mut Cpu, c: Constant) -> Result<(), Exit> {
    let v = c.round(cpu.fpu.round());
    cpu.fpu.push(v, 0);
    Ok(())
}

/// `fst`/`fstp`/`fist(t)p`/`fbstp`: ST(0) to memory (converted and rounded
/// by `round` or the rounding control) or to ST(i). Invalid conversions store
/// the format's indefinite (integer: the most negative value).
pub(super) fn store(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    round: Option<Round>,
    pop: bool,
) -> Result<(), Exit> {
    let (v, mut exc) = cpu.fpu.get(0);
    let round = round.unwrap_or(cpu.fpu.round());
    if insn.op0_kind() == OpKind::Memory {
        let mut b = [0u8; 10];
        let len = match insn.memory_size() {
            MemorySize::Float32 => {
                let (x, e) = v.to_f32(round);
                b[..4].copy_from_slice(&x.to_le_bytes());
                exc |= e;
                4
            }
            MemorySize::Float64 => {
                let (x, e) = v.to_f64(round);
                b[..8].copy_from_slice(&x.to_le_bytes());
                exc |= e;
                8
            }
            MemorySize::Float80 => {
                b = v.to_bytes();
                10
            }
            size @ (MemorySize::Int16 | MemorySize::Int32 | MemorySize::Int64) => {
                let bits = size.size() * 8;
                let (x, e) = v.to_int(bits, round);
                b[..8].copy_from_slice(&x.unwrap_or(i64::MIN >> (64 - bits)).to_le_bytes());
                exc |= e;
                size.size()
            }
            MemorySize::Bcd => {
                let (x, e) = v.to_bcd(round);
                b = x.unwrap_or([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
                exc |= e;
                10
            }
            _ => return Err(Exit::InvalidOpcode),
        };
        if !cpu.fpu.blocks(exc) {
            write_bytes(cpu, mem, insn, &b[..len])?;
        }
        if !cpu.fpu.commit(exc) {
            return Ok(());
        }
    } else if cpu.fpu.commit(exc) {
        cpu.fpu.set(st(insn, 0), v);
    } else {
        return Ok(());
    }
    if pop {
        cpu.fpu.pop();
    }
    Ok(())
}

//! Floating-point SSE, SSE2 and SSE3 instructions: packed (`…ps`, `…pd`)
//! and scalar (`…ss`, `…sd`, which keep the destination's upper lanes)
//! arithmetic, compares, conversions and the horizontal operations. Lanes
//! are computed by `float`; the flags they raise go to MXCSR, and if one
//! is unmasked nothing is written and the instruction exits with #XM.

use std::cmp::Ordering;

use iced_x86::{Instruction, Mnemonic as M};
use rustc_apfloat::ieee::{Double, Single};
use rustc_apfloat::Float;
use tabvm_mem::AddressSpace;

use super::float::{reciprocal, Arith, Env};
use super::lanes::{get, ones, set};
use super::{imm, operand, read, write, Handler};
use crate::exec::Step;
use crate::{Cpu, Exit};

pub(super) fn handler(m: M) -> Option<Handler> {
    if lanewise_op(m).is_some() {
        return Some(lanewise);
    }
    if conversion(m).is_some() {
        return Some(convert);
    }
    Some(match m {
        M::Comiss => |c, m, i| compare_flags::<Single>(c, m, i, false),
        M::Ucomiss => |c, m, i| compare_flags::<Single>(c, m, i, true),
        M::Comisd => |c, m, i| compare_flags::<Double>(c, m, i, false),
        M::Ucomisd => |c, m, i| compare_flags::<Double>(c, m, i, true),
        M::Haddps => |c, m, i| horizontal::<Single>(c, m, i, Arith::Add),
        M::Haddpd => |c, m, i| horizontal::<Double>(c, m, i, Arith::Add),
        M::Hsubps => |c, m, i| horizontal::<Single>(c, m, i, Arith::Sub),
        M::Hsubpd => |c, m, i| horizontal::<Double>(c, m, i, Arith::Sub),
        M::Addsubps => |c, m, i| {
            compute::<Single>(c, m, i, 4, |e, k, a, b| {
                let op = if k % 2 == 0 { Arith::Sub } else { Arith::Add };
                e.arith::<Single>(op, get(a, 32, k), get(b, 32, k))
            })
        },
        M::Addsubpd => |c, m, i| {
            compute::<Double>(c, m, i, 2, |e, k, a, b| {
                let op = if k == 0 { Arith::Sub } else { Arith::Add };
                e.arith::<Double>(op, get(a, 64, k), get(b, 64, k))
            })
        },
        _ => return None,
    })
}

/// Which lanes an instruction computes: all (packed) or the lowest
/// (scalar), of singles or doubles.
#[derive(Clone, Copy)]
enum Lanes {
    Ps,
    Pd,
    Ss,
    Sd,
}

#[derive(Clone, Copy)]
enum Op {
    Arith(Arith),
    Min,
    Max,
    Sqrt,
    /// `rcp` (false) or `rsqrt` (true).
    Reciprocal(bool),
    /// `cmp` with the predicate in the immediate.
    Compare,
}

fn lanewise_op(m: M) -> Option<(Lanes, Op)> {
    use Arith::*;
    use Lanes::*;
    Some(match m {
        M::Addps => (Ps, Op::Arith(Add)),
        M::Addpd => (Pd, Op::Arith(Add)),
        M::Addss => (Ss, Op::Arith(Add)),
        M::Addsd => (Sd, Op::Arith(Add)),
        M::Subps => (Ps, Op::Arith(Sub)),
        M::Subpd => (Pd, Op::Arith(Sub)),
        M::Subss => (Ss, Op::Arith(Sub)),
        M::Subsd => (Sd, Op::Arith(Sub)),
        M::Mulps => (Ps, Op::Arith(Mul)),
        M::Mulpd => (Pd, Op::Arith(Mul)),
        M::Mulss => (Ss, Op::Arith(Mul)),
        M::Mulsd => (Sd, Op::Arith(Mul)),
        M::Divps => (Ps, Op::Arith(Div)),
        M::Divpd => (Pd, Op::Arith(Div)),
        M::Divss => (Ss, Op::Arith(Div)),
        M::Divsd => (Sd, Op::Arith(Div)),
        M::Minps => (Ps, Op::Min),
        M::Minpd => (Pd, Op::Min),
        M::Minss => (Ss, Op::Min),
        M::Minsd => (Sd, Op::Min),
        M::Maxps => (Ps, Op::Max),
        M::Maxpd => (Pd, Op::Max),
        M::Maxss => (Ss, Op::Max),
        M::Maxsd => (Sd, Op::Max),
        M::Sqrtps => (Ps, Op::Sqrt),
        M::Sqrtpd => (Pd, Op::Sqrt),
        M::Sqrtss => (Ss, Op::Sqrt),
        M::Sqrtsd => (Sd, Op::Sqrt),
        M::Rcpps => (Ps, Op::Reciprocal(false)),
        M::Rcpss => (Ss, Op::Reciprocal(false)),
        M::Rsqrtps => (Ps, Op::Reciprocal(true)),
        M::Rsqrtss => (Ss, Op::Reciprocal(true)),
        M::Cmpps => (Ps, Op::Compare),
        M::Cmppd => (Pd, Op::Compare),
        M::Cmpss => (Ss, Op::Compare),
        M::Cmpsd => (Sd, Op::Compare),
        _ => return None,
    })
}

fn lanewise(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let Some((lanes, op)) = lanewise_op(insn.mnemonic()) else {
        return Err(Exit::InvalidOpcode);
    };
    let predicate = imm(insn);
    match lanes {
        Lanes::Ps => on_lanes::<Single>(cpu, mem, insn, 4, op, predicate),
        Lanes::Pd => on_lanes::<Double>(cpu, mem, insn, 2, op, predicate),
        Lanes::Ss => on_lanes::<Single>(cpu, mem, insn, 1, op, predicate),
        Lanes::Sd => on_lanes::<Double>(cpu, mem, insn, 1, op, predicate),
    }
}

fn on_lanes<T: Float>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    n: u32,
    op: Op,
    predicate: u32,
) -> Step {
    let bits = T::BITS as u32;
    compute::<T>(cpu, mem, insn, n, |e, k, a, b| {
        let (x, y) = (get(a, bits, k), get(b, bits, k));
        match op {
            Op::Arith(op) => e.arith::<T>(op, x, y),
            Op::Min => e.min_max::<T>(x, y, false),
            Op::Max => e.min_max::<T>(x, y, true),
            Op::Sqrt => e.sqrt::<T>(y),
            Op::Reciprocal(sqrt) => reciprocal(y as u32, sqrt).into(),
            Op::Compare => {
                let quiet = matches!(predicate & 7, 0 | 3 | 4 | 7);
                if holds(predicate, e.compare::<T>(x, y, quiet)) {
                    ones(bits)
                } else {
                    0
                }
            }
        }
    })
}

/// The `cmp` predicates: eq, lt, le, unord, neq, nlt, nle, ord.
fn holds(predicate: u32, o: Option<Ordering>) -> bool {
    use Ordering::*;
    match predicate & 7 {
        0 => o == Some(Equal),
        1 => o == Some(Less),
        2 => matches!(o, Some(Less | Equal)),
        3 => o.is_none(),
        4 => o != Some(Equal),
        5 => o != Some(Less),
        6 => !matches!(o, Some(Less | Equal)),
        _ => o.is_some(),
    }
}

/// Computes lanes `0..n` of the destination by `f(env, lane, dst, src)`;
/// the other lanes keep their value. Commits the flags before writing.
fn compute<T: Float>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    n: u32,
    mut f: impl FnMut(&mut Env, u32, u128, u128) -> u64,
) -> Step {
    let (d, s) = (operand(cpu, insn, 0)?, operand(cpu, insn, 1)?);
    let (a, b) = (read(cpu, mem, insn, d)?, read(cpu, mem, insn, s)?);
    let bits = T::BITS as u32;
    let mut env = Env::new(cpu.fpu.sse.mxcsr);
    let r = (0..n).fold(a, |v, k| set(v, bits, k, f(&mut env, k, a, b)));
    commit(cpu, &env)?;
    write(cpu, mem, insn, d, r)
}

/// Adds an instruction's flags to MXCSR; #XM if one is unmasked.
fn commit(cpu: &mut Cpu, env: &Env) -> Step {
    cpu.fpu.sse.mxcsr |= env.flags;
    if env.flags & env.unmasked != 0 {
        return Err(Exit::FpuError);
    }
    Ok(())
}

/// `haddp*`/`hsubp*`: adjacent pairs of the destination, then of the source.
fn horizontal<T: Float>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    op: Arith,
) -> Step {
    let bits = T::BITS as u32;
    let n = 128 / bits;
    compute::<T>(cpu, mem, insn, n, |e, k, a, b| {
        let (v, j) = if k < n / 2 {
            (a, 2 * k)
        } else {
            (b, 2 * k - n)
        };
        e.arith::<T>(op, get(v, bits, j), get(v, bits, j + 1))
    })
}

/// `comis*`/`ucomis*`: ZF PF CF tell unordered (all set), less (CF),
/// equal (ZF) or greater (none); OF SF AF are cleared.
fn compare_flags<T: Float>(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    quiet: bool,
) -> Step {
    const CF: u32 = 0x01;
    const PF: u32 = 0x04;
    const ZF: u32 = 0x40;
    const ARITH: u32 = 0x8d5;
    let (d, s) = (operand(cpu, insn, 0)?, operand(cpu, insn, 1)?);
    let (a, b) = (read(cpu, mem, insn, d)?, read(cpu, mem, insn, s)?);
    let bits = T::BITS as u32;
    let mut env = Env::new(cpu.fpu.sse.mxcsr);
    let flags = match env.compare::<T>(get(a, bits, 0), get(b, bits, 0), quiet) {
        None => ZF | PF | CF,
        Some(Ordering::Less) => CF,
        Some(Ordering::Equal) => ZF,
        Some(Ordering::Greater) => 0,
    };
    commit(cpu, &env)?;
    cpu.set_status(ARITH, flags);
    Ok(())
}

/// Element types of conversions.
#[derive(Clone, Copy, PartialEq)]
enum Elem {
    I32,
    F32,
    F64,
}

impl Elem {
    fn bits(self) -> u32 {
        match self {
            Elem::F64 => 64,
            _ => 32,
        }
    }
}

/// A conversion: `count` elements from the source to the low lanes of the
/// destination, which keeps its other bits if `keep` (else they are zero);
/// `truncate` for the `cvtt…` forms.
struct Conversion {
    from: Elem,
    to: Elem,
    count: u32,
    keep: bool,
    truncate: bool,
}

fn conversion(m: M) -> Option<Conversion> {
    use Elem::*;
    let c = |from, to, count, keep, truncate| Conversion {
        from,
        to,
        count,
        keep,
        truncate,
    };
    Some(match m {
        M::Cvtsi2ss => c(I32, F32, 1, true, false),
        M::Cvtsi2sd => c(I32, F64, 1, true, false),
        M::Cvtss2si => c(F32, I32, 1, false, false),
        M::Cvttss2si => c(F32, I32, 1, false, true),
        M::Cvtsd2si => c(F64, I32, 1, false, false),
        M::Cvttsd2si => c(F64, I32, 1, false, true),
        M::Cvtss2sd => c(F32, F64, 1, true, false),
        M::Cvtsd2ss => c(F64, F32, 1, true, false),
        M::Cvtps2pd => c(F32, F64, 2, false, false),
        M::Cvtpd2ps => c(F64, F32, 2, false, false),
        M::Cvtdq2ps => c(I32, F32, 4, false, false),
        M::Cvtps2dq => c(F32, I32, 4, false, false),
        M::Cvttps2dq => c(F32, I32, 4, false, true),
        M::Cvtdq2pd => c(I32, F64, 2, false, false),
        M::Cvtpd2dq => c(F64, I32, 2, false, false),
        M::Cvttpd2dq => c(F64, I32, 2, false, true),
        M::Cvtpi2ps => c(I32, F32, 2, true, false),
        M::Cvtps2pi => c(F32, I32, 2, false, false),
        M::Cvttps2pi => c(F32, I32, 2, false, true),
        M::Cvtpi2pd => c(I32, F64, 2, false, false),
        M::Cvtpd2pi => c(F64, I32, 2, false, false),
        M::Cvttpd2pi => c(F64, I32, 2, false, true),
        _ => return None,
    })
}

fn convert(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let Some(cv) = conversion(insn.mnemonic()) else {
        return Err(Exit::InvalidOpcode);
    };
    let (d, s) = (operand(cpu, insn, 0)?, operand(cpu, insn, 1)?);
    let a = if cv.keep { read(cpu, mem, insn, d)? } else { 0 };
    let b = read(cpu, mem, insn, s)?;
    let mut env = Env::new(cpu.fpu.sse.mxcsr);
    let r = (0..cv.count).fold(a, |v, k| {
        let x = get(b, cv.from.bits(), k);
        let y = match (cv.from, cv.to) {
            (Elem::I32, Elem::F32) => env.float_of::<Single>(x as i32),
            (Elem::I32, _) => env.float_of::<Double>(x as i32),
            (Elem::F32, Elem::I32) => env.int_of::<Single>(x, cv.truncate).into(),
            (Elem::F64, Elem::I32) => env.int_of::<Double>(x, cv.truncate).into(),
            (Elem::F32, _) => env.convert::<Single, Double>(x),
            (Elem::F64, _) => env.convert::<Double, Single>(x),
        };
        set(v, cv.to.bits(), k, y)
    });
    commit(cpu, &env)?;
    write(cpu, mem, insn, d, r)
}

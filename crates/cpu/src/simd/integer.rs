//! Packed-integer instructions: MMX, their SSE2 forms on XMM registers,
//! and SSSE3. One handler serves both widths; cross-lane operations
//! (packs, unpacks, shuffles, byte shifts) take the width from the
//! registers named. The floating-point instructions that only move bits
//! (`andps`, `xorpd`, `shufps`, `unpcklpd`, `movmskps`…) are here too.

use iced_x86::{Instruction, Mnemonic as M};
use tabvm_mem::AddressSpace;

use super::lanes::{build, get, ones, sat_s, sat_u, set, sx};
use super::{combine, imm, width, Handler};
use crate::exec::Step;
use crate::Cpu;

/// A lane operation: `(a, b, bits) -> lane`, `a` from the destination.
type LaneOp = fn(u64, u64, u32) -> u64;

pub(super) fn handler(m: M) -> Option<Handler> {
    if lanewise_op(m).is_some() {
        return Some(lanewise);
    }
    Some(match m {
        M::Psllw | M::Pslld | M::Psllq | M::Psrlw | M::Psrld | M::Psrlq | M::Psraw | M::Psrad => {
            shift
        }
        M::Pslldq => |c, m, i| combine(c, m, i, |a, _| shift_bytes(a, imm(i), true)),
        M::Psrldq => |c, m, i| combine(c, m, i, |a, _| shift_bytes(a, imm(i), false)),
        M::Packsswb => |c, m, i| pack(c, m, i, 16, true),
        M::Packssdw => |c, m, i| pack(c, m, i, 32, true),
        M::Packuswb => |c, m, i| pack(c, m, i, 16, false),
        M::Punpcklbw => |c, m, i| unpack(c, m, i, 8, false),
        M::Punpcklwd => |c, m, i| unpack(c, m, i, 16, false),
        M::Punpckldq | M::Unpcklps => |c, m, i| unpack(c, m, i, 32, false),
        M::Punpcklqdq | M::Unpcklpd => |c, m, i| unpack(c, m, i, 64, false),
        M::Punpckhbw => |c, m, i| unpack(c, m, i, 8, true),
        M::Punpckhwd => |c, m, i| unpack(c, m, i, 16, true),
        M::Punpckhdq | M::Unpckhps => |c, m, i| unpack(c, m, i, 32, true),
        M::Punpckhqdq | M::Unpckhpd => |c, m, i| unpack(c, m, i, 64, true),
        M::Pshufd => |c, m, i| combine(c, m, i, |_, b| shuffle(b, 32, 4, imm(i))),
        M::Pshufw => |c, m, i| combine(c, m, i, |_, b| shuffle(b, 16, 4, imm(i))),
        M::Pshuflw => |c, m, i| {
            combine(c, m, i, |_, b| {
                b >> 64 << 64 | shuffle(b as u64 as u128, 16, 4, imm(i))
            })
        },
        M::Pshufhw => |c, m, i| {
            combine(c, m, i, |_, b| {
                shuffle(b >> 64, 16, 4, imm(i)) << 64 | b as u64 as u128
            })
        },
        M::Shufps => |c, m, i| {
            combine(c, m, i, |a, b| {
                let k = imm(i);
                build(32, 4, |j| {
                    let from = if j < 2 { a } else { b };
                    get(from, 32, k >> (2 * j) & 3)
                })
            })
        },
        M::Shufpd => |c, m, i| {
            combine(c, m, i, |a, b| {
                let k = imm(i);
                build(64, 2, |j| get(if j == 0 { a } else { b }, 64, k >> j & 1))
            })
        },
        M::Pshufb => |c, m, i| {
            let n = width(i);
            combine(c, m, i, |a, b| {
                build(8, n, |j| {
                    let sel = get(b, 8, j);
                    if sel & 0x80 != 0 {
                        0
                    } else {
                        get(a, 8, sel as u32 & (n - 1))
                    }
                })
            })
        },
        M::Palignr => |c, m, i| {
            let n = width(i);
            combine(c, m, i, |a, b| align(a, b, n, imm(i)))
        },
        M::Phaddw => |c, m, i| horizontal(c, m, i, 16, |x, y, _| x.wrapping_add(y)),
        M::Phaddd => |c, m, i| horizontal(c, m, i, 32, |x, y, _| x.wrapping_add(y)),
        M::Phaddsw => |c, m, i| horizontal(c, m, i, 16, adds),
        M::Phsubw => |c, m, i| horizontal(c, m, i, 16, |x, y, _| x.wrapping_sub(y)),
        M::Phsubd => |c, m, i| horizontal(c, m, i, 32, |x, y, _| x.wrapping_sub(y)),
        M::Phsubsw => |c, m, i| horizontal(c, m, i, 16, subs),
        M::Pmaddwd => |c, m, i| {
            combine(c, m, i, |a, b| {
                build(32, 4, |j| {
                    let p = |k| sx(get(a, 16, k), 16) * sx(get(b, 16, k), 16);
                    p(2 * j).wrapping_add(p(2 * j + 1)) as u64
                })
            })
        },
        M::Pmaddubsw => |c, m, i| {
            combine(c, m, i, |a, b| {
                build(16, 8, |j| {
                    let p = |k| get(a, 8, k) as i64 * sx(get(b, 8, k), 8);
                    sat_s(p(2 * j) + p(2 * j + 1), 16)
                })
            })
        },
        M::Psadbw => |c, m, i| {
            combine(c, m, i, |a, b| {
                build(64, 2, |j| {
                    (8 * j..8 * j + 8)
                        .map(|k| get(a, 8, k).abs_diff(get(b, 8, k)))
                        .sum()
                })
            })
        },
        M::Pmovmskb => |c, m, i| {
            let n = width(i);
            combine(c, m, i, |_, b| sign_mask(b, 8, n).into())
        },
        M::Movmskps => |c, m, i| combine(c, m, i, |_, b| sign_mask(b, 32, 4).into()),
        M::Movmskpd => |c, m, i| combine(c, m, i, |_, b| sign_mask(b, 64, 2).into()),
        M::Pextrw => |c, m, i| {
            let n = width(i) / 2;
            combine(c, m, i, |_, b| get(b, 16, imm(i) & (n - 1)).into())
        },
        M::Pinsrw => |c, m, i| {
            let n = width(i) / 2;
            combine(c, m, i, |a, b| set(a, 16, imm(i) & (n - 1), b as u64))
        },
        _ => return None,
    })
}

/// Lane by lane: `op0[i] = f(op0[i], op1[i])`.
fn lanewise(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    let Some((bits, f)) = lanewise_op(insn.mnemonic()) else {
        return Err(crate::Exit::InvalidOpcode);
    };
    let n = width(insn) * 8 / bits;
    combine(cpu, mem, insn, |a, b| {
        build(bits, n, |i| f(get(a, bits, i), get(b, bits, i), bits))
    })
}

/// The lane width and operation of the lane-by-lane instructions. The
/// bitwise ones (integer and floating-point alike) use 64-bit lanes.
fn lanewise_op(m: M) -> Option<(u32, LaneOp)> {
    Some(match m {
        M::Paddb => (8, |a, b, _| a.wrapping_add(b)),
        M::Paddw => (16, |a, b, _| a.wrapping_add(b)),
        M::Paddd => (32, |a, b, _| a.wrapping_add(b)),
        M::Paddq => (64, |a, b, _| a.wrapping_add(b)),
        M::Psubb => (8, |a, b, _| a.wrapping_sub(b)),
        M::Psubw => (16, |a, b, _| a.wrapping_sub(b)),
        M::Psubd => (32, |a, b, _| a.wrapping_sub(b)),
        M::Psubq => (64, |a, b, _| a.wrapping_sub(b)),
        M::Paddsb => (8, adds),
        M::Paddsw => (16, adds),
        M::Psubsb => (8, subs),
        M::Psubsw => (16, subs),
        M::Paddusb => (8, |a, b, n| sat_u(a as i64 + b as i64, n)),
        M::Paddusw => (16, |a, b, n| sat_u(a as i64 + b as i64, n)),
        M::Psubusb => (8, |a, b, n| sat_u(a as i64 - b as i64, n)),
        M::Psubusw => (16, |a, b, n| sat_u(a as i64 - b as i64, n)),
        M::Pmullw => (16, |a, b, _| a.wrapping_mul(b)),
        M::Pmulhw => (16, |a, b, n| ((sx(a, n) * sx(b, n)) >> n) as u64),
        M::Pmulhuw => (16, |a, b, n| (a * b) >> n),
        M::Pmuludq => (64, |a, b, _| (a & 0xffff_ffff) * (b & 0xffff_ffff)),
        M::Pmulhrsw => (16, |a, b, n| {
            ((((sx(a, n) * sx(b, n)) >> 14) + 1) >> 1) as u64
        }),
        M::Pavgb => (8, |a, b, _| (a + b + 1) >> 1),
        M::Pavgw => (16, |a, b, _| (a + b + 1) >> 1),
        M::Pminub => (8, |a, b, _| a.min(b)),
        M::Pmaxub => (8, |a, b, _| a.max(b)),
        M::Pminsw => (16, |a, b, n| if sx(a, n) <= sx(b, n) { a } else { b }),
        M::Pmaxsw => (16, |a, b, n| if sx(a, n) >= sx(b, n) { a } else { b }),
        M::Pcmpeqb => (8, cmpeq),
        M::Pcmpeqw => (16, cmpeq),
        M::Pcmpeqd => (32, cmpeq),
        M::Pcmpgtb => (8, cmpgt),
        M::Pcmpgtw => (16, cmpgt),
        M::Pcmpgtd => (32, cmpgt),
        M::Psignb => (8, sign),
        M::Psignw => (16, sign),
        M::Psignd => (32, sign),
        // The absolute values ignore the destination.
        M::Pabsb => (8, |_, b, n| sx(b, n).unsigned_abs()),
        M::Pabsw => (16, |_, b, n| sx(b, n).unsigned_abs()),
        M::Pabsd => (32, |_, b, n| sx(b, n).unsigned_abs()),
        M::Pand | M::Andps | M::Andpd => (64, |a, b, _| a & b),
        M::Pandn | M::Andnps | M::Andnpd => (64, |a, b, _| !a & b),
        M::Por | M::Orps | M::Orpd => (64, |a, b, _| a | b),
        M::Pxor | M::Xorps | M::Xorpd => (64, |a, b, _| a ^ b),
        _ => return None,
    })
}

fn adds(a: u64, b: u64, n: u32) -> u64 {
    sat_s(sx(a, n) + sx(b, n), n)
}

fn subs(a: u64, b: u64, n: u32) -> u64 {
    sat_s(sx(a, n) - sx(b, n), n)
}

fn cmpeq(a: u64, b: u64, n: u32) -> u64 {
    if a == b {
        ones(n)
    } else {
        0
    }
}

fn cmpgt(a: u64, b: u64, n: u32) -> u64 {
    if sx(a, n) > sx(b, n) {
        ones(n)
    } else {
        0
    }
}

/// `psign*`: `a` negated, zeroed or kept as `b` is negative, zero or positive.
fn sign(a: u64, b: u64, n: u32) -> u64 {
    match sx(b, n) {
        0 => 0,
        s if s < 0 => a.wrapping_neg(),
        _ => a,
    }
}

/// `psll`/`psrl`/`psra` by an immediate or by the low 64 bits of a register
/// or memory operand; counts past the lane width clear the lane (or fill it
/// with its sign).
fn shift(cpu: &mut Cpu, mem: &mut AddressSpace, insn: &Instruction) -> Step {
    #[derive(PartialEq)]
    enum Kind {
        Left,
        Right,
        Arithmetic,
    }
    let (bits, kind) = match insn.mnemonic() {
        M::Psllw => (16, Kind::Left),
        M::Pslld => (32, Kind::Left),
        M::Psllq => (64, Kind::Left),
        M::Psrlw => (16, Kind::Right),
        M::Psrld => (32, Kind::Right),
        M::Psrlq => (64, Kind::Right),
        M::Psraw => (16, Kind::Arithmetic),
        _ => (32, Kind::Arithmetic),
    };
    let n = width(insn) * 8 / bits;
    combine(cpu, mem, insn, |a, b| {
        let count = b as u64;
        build(bits, n, |i| {
            let v = get(a, bits, i);
            match kind {
                Kind::Arithmetic => (sx(v, bits) >> count.min(u64::from(bits) - 1)) as u64,
                _ if count >= u64::from(bits) => 0,
                Kind::Left => v << count,
                Kind::Right => v >> count,
            }
        })
    })
}

/// `pslldq`/`psrldq`: the whole register by `count` bytes.
fn shift_bytes(v: u128, count: u32, left: bool) -> u128 {
    match count {
        16.. => 0,
        _ if left => v << (8 * count),
        _ => v >> (8 * count),
    }
}

/// `pack*`: the lanes of the destination then of the source, each
/// saturated to half its width (signed, or signed input to unsigned).
fn pack(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    bits: u32,
    signed: bool,
) -> Step {
    let n = width(insn) * 8 / bits;
    combine(cpu, mem, insn, |a, b| {
        build(bits / 2, 2 * n, |i| {
            let v = sx(get(if i < n { a } else { b }, bits, i % n), bits);
            if signed {
                sat_s(v, bits / 2)
            } else {
                sat_u(v, bits / 2)
            }
        })
    })
}

/// `punpckl*`/`punpckh*` (and `unpck*ps`/`unpck*pd`): the lanes of the low
/// or high half of destination and source, interleaved.
fn unpack(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    bits: u32,
    high: bool,
) -> Step {
    let n = width(insn) * 8 / bits;
    let base = if high { n / 2 } else { 0 };
    combine(cpu, mem, insn, |a, b| {
        build(bits, n, |i| {
            get(if i % 2 == 0 { a } else { b }, bits, base + i / 2)
        })
    })
}

/// Lane `i` of the result is lane `(control >> 2i) & 3` of `v`.
fn shuffle(v: u128, bits: u32, n: u32, control: u32) -> u128 {
    build(bits, n, |i| get(v, bits, control >> (2 * i) & 3))
}

/// `palignr`: destination:source as one value of `2n` bytes, shifted right
/// by `count` bytes, low `n` bytes kept.
fn align(a: u128, b: u128, n: u32, count: u32) -> u128 {
    let byte = |k: u32| match k {
        _ if k < n => get(b, 8, k),
        _ if k < 2 * n => get(a, 8, k - n),
        _ => 0,
    };
    build(8, n, |i| byte(i + count))
}

/// `phadd*`/`phsub*`: adjacent pairs of the destination, then of the
/// source, combined by `f`.
fn horizontal(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    bits: u32,
    f: LaneOp,
) -> Step {
    let n = width(insn) * 8 / bits;
    combine(cpu, mem, insn, |a, b| {
        build(bits, n, |i| {
            let (v, k) = if i < n / 2 {
                (a, 2 * i)
            } else {
                (b, 2 * i - n)
            };
            f(get(v, bits, k), get(v, bits, k + 1), bits)
        })
    })
}

/// The sign bits of `n` lanes, lane 0 in bit 0.
fn sign_mask(v: u128, bits: u32, n: u32) -> u32 {
    (0..n).fold(0, |m, i| m | ((get(v, bits, i) >> (bits - 1)) as u32) << i)
}

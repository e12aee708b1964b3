//! The x87 floating-point unit.
//!
//! Model: eight 80-bit registers used as a stack (ST(0) is the physical
//! register TOP points at), a tag per register (only "empty" is stored; the
//! full tag word is derived from the contents when an image is saved), the
//! control word (exception masks, precision control, rounding control) and
//! the status word (exception flags, stack fault, C0–C3, TOP, ES, B).
//!
//! - Arithmetic is bit-exact with the hardware (results, flags and condition
//!   codes) for `+ - × ÷ √`, conversions, `frndint`, `fprem(1)`, `fscale` and
//!   compares, in every rounding mode and precision control (24/53/64 bits;
//!   glibc's double `sin`/`cos` switch to 53), through `rustc_apfloat`;
//!   `testdata/native.txt` holds thousands of results of a real x87 that the
//!   tests replay, flags included.
//! - The transcendental instructions are computed in quadruple precision
//!   and agree with a real x87 to the last bit about 98% of the time, else
//!   by one unit of the 64-bit significand (`transcendental.rs`).
//! - Exceptions set their flags. With the exception masked (the Linux
//!   default) the instruction completes with the IEEE/x87 default result:
//!   the negative "indefinite" QNaN for invalid operations and stack
//!   underflow/overflow (with SF, C1 telling which), the integer indefinite
//!   (most negative value) for failed integer stores. Unmasked, IE/ZE/DE keep
//!   the destination unchanged, and the next waiting x87 instruction exits
//!   with [`Exit::FpuError`](crate::Exit::FpuError) (#MF, SIGFPE).
//! - C1 tells "rounded up" after inexact results, as on the hardware (it
//!   costs a second rounding toward zero per inexact result).
//! - Not modelled: the last instruction/operand pointers and opcode (saved
//!   as zero), the 16-bit environment formats (#UD).
//!
//! - [`Fpu`] also holds the SSE registers and MXCSR (`crate::simd::Sse`):
//!   it is the whole state `fxsave` saves and Linux keeps per thread and
//!   per signal frame. The MMX registers are the significands of the x87
//!   registers (see `stack.rs`).
//!
//! Modules: `f80` (the value type and memory formats), `arith` (pure
//! operations), `transcendental`, `stack` ([`Fpu`]: registers,
//! control/status/tags, save images), `exec` (dispatch, entered through
//! [`execute`], and the register-stack instructions), `memory` (loads,
//! stores, control words and images).

mod arith;
mod exec;
mod f80;
mod memory;
mod stack;
mod transcendental;

pub(crate) use arith::ieee_sqrt;
pub(crate) use exec::execute;
pub(crate) use f80::rounded;
pub use stack::{Fpu, FXSAVE_SIZE};

/// Results of this machine's x87 (`testdata/gen_native.c`) replayed through
/// the arithmetic and conversions, bit for bit, flags included.
#[cfg(test)]
mod native_tests {
    use rustc_apfloat::Round;

    use super::arith::{self, Op};
    use super::f80::{C0, C1, C2, C3, F80};

    fn f80(hex: &str) -> F80 {
        let v = u128::from_str_radix(hex, 16).expect("fixture hex");
        F80 {
            mant: v as u64,
            se: (v >> 64) as u16,
        }
    }

    /// What we compute for one fixture line: (result bits, condition codes, flags).
    fn replay(op: &str, round: Round, precision: u32, a: F80, b: F80) -> (u128, u16, u16) {
        let bits = |v: F80| u128::from(v.se) << 64 | u128::from(v.mant);
        let binary = |op| {
            let (r, e) = arith::binary(op, a, b, round, precision);
            (bits(r), 0, e)
        };
        match op {
            "add" => binary(Op::Add),
            "sub" => binary(Op::Sub),
            "mul" => binary(Op::Mul),
            "div" => binary(Op::Div),
            "prem" | "prem1" => {
                let (r, cc, e) = arith::prem(a, b, op == "prem1");
                (bits(r), cc.unwrap_or(0), e)
            }
            "scale" => {
                let (r, e) = arith::scale(a, b, round);
                (bits(r), 0, e)
            }
            "sqrt" => {
                let (r, e) = arith::sqrt(a, round, precision);
                (bits(r), 0, e)
            }
            "rndint" => {
                let (r, e) = arith::round_int(a, round);
                (bits(r), 0, e)
            }
            "com" | "ucom" => {
                let (o, e) = arith::compare(a, b, op == "com");
                (0, arith::compare_cc(o), e)
            }
            "fist16" | "fist32" | "fist64" => {
                let width: usize = op[4..].parse().expect("width");
                let (r, e) = a.to_int(width, round);
                let r = r.unwrap_or(i64::MIN >> (64 - width)) as u64 & (u64::MAX >> (64 - width));
                (r.into(), 0, e)
            }
            "fst32" => {
                let (r, e) = a.to_f32(round);
                (r.into(), 0, e)
            }
            "fst64" => {
                let (r, e) = a.to_f64(round);
                (r.into(), 0, e)
            }
            _ => panic!("unknown fixture op {op}"),
        }
    }

    #[test]
    fn x87_matches_native_results() {
        let fixture = include_str!("testdata/native.txt");
        let mut failures = Vec::new();
        for line in fixture.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let cw = u16::from_str_radix(f[1], 16).expect("control word");
            let round = [
                Round::NearestTiesToEven,
                Round::TowardNegative,
                Round::TowardPositive,
                Round::TowardZero,
            ][usize::from(cw >> 10 & 3)];
            let precision = [24, 64, 53, 64][usize::from(cw >> 8 & 3)];
            let (a, b) = (f80(f[2]), f80(f[3]));
            let want_r = u128::from_str_radix(f[4], 16).expect("result");
            let sw = u16::from_str_radix(f[5], 16).expect("status");
            let (r, cc, exc) = replay(f[0], round, precision, a, b);
            // C1 is the quotient bit of fprem and "rounded up" elsewhere.
            let cc_mask = match f[0] {
                "prem" | "prem1" => C0 | C1 | C2 | C3,
                "com" | "ucom" => C0 | C2 | C3,
                _ => 0,
            };
            let flag_mask = if cc_mask & C1 != 0 { 0x3f } else { 0x3f | C1 };
            let want = (
                if f[0].ends_with("com") { 0 } else { want_r },
                sw & cc_mask,
                sw & flag_mask,
            );
            if (r, cc, exc) != want {
                failures.push(format!("{line}: got {r:x} cc {cc:04x} exc {exc:02x}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            fixture.lines().count(),
            failures[..failures.len().min(40)].join("\n")
        );
    }
}

/// Arbitrary register contents (unnormals, pseudo-NaNs, pseudo-denormals…)
/// through every operation: the engine must never panic on guest data.
#[cfg(test)]
mod robustness_tests {
    use std::hint::black_box;

    use rustc_apfloat::Round;

    use super::arith::{self, Op};
    use super::f80::F80;
    use super::transcendental as t;

    #[test]
    fn x87_any_encoding_in_any_operation() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let specials = [0u16, 1, 0x3fff, 0x7ffe, 0x7fff];
        for i in 0..20_000 {
            let mut value = || {
                let r = next();
                let se = if r % 3 == 0 {
                    specials[(r >> 8) as usize % specials.len()]
                } else {
                    (r >> 16) as u16
                };
                let shift = if i % 4 == 0 { r >> 32 & 63 } else { 0 };
                F80 {
                    mant: next() >> shift,
                    se: se | (r as u16 & 0x8000),
                }
            };
            let (a, b) = (value(), value());
            let round = [
                Round::NearestTiesToEven,
                Round::TowardNegative,
                Round::TowardPositive,
                Round::TowardZero,
            ][i % 4];
            let bits = [24, 53, 64][i % 3];
            for op in [Op::Add, Op::Sub, Op::SubR, Op::Mul, Op::Div, Op::DivR] {
                black_box(arith::binary(op, a, b, round, bits));
            }
            black_box((
                arith::sqrt(a, round, bits),
                arith::round_int(a, round),
                arith::scale(a, b, round),
            ));
            black_box((
                arith::xtract(a),
                arith::prem(a, b, false),
                arith::prem(a, b, true),
                arith::compare(a, b, true),
            ));
            black_box((
                a.to_f32(round),
                a.to_f64(round),
                a.to_int(16, round),
                a.to_int(64, round),
                a.to_bcd(round),
            ));
            black_box((
                t::sin(a, round),
                t::cos(a, round),
                t::sincos(a, round),
                t::tan(a, round),
            ));
            black_box((
                t::atan2(a, b, round),
                t::y_log2_x(a, b, false, round),
                t::y_log2_x(a, b, true, round),
            ));
            black_box((t::exp2_minus_1(a, round), F80::from_bcd(a.to_bytes())));
        }
    }
}

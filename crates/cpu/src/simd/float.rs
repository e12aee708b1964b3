//! One floating-point lane as SSE computes it: IEEE single or double
//! arithmetic rounded by MXCSR, denormal operands zeroed under DAZ and tiny
//! results flushed under FTZ, the x86 NaN rules, and the exception flags.
//!
//! Lanes are raw bits (`u64`, low 32 for singles); the format is a type
//! parameter, APFloat's `Single` or `Double`, which does the rounding. The
//! x86 parts are done here, before and after it:
//! - a NaN operand gives that NaN quieted (the first operand's if both are
//!   NaNs); signalling NaNs raise IE; an invalid operation gives the
//!   negative quiet "indefinite";
//! - a denormal operand raises DE, or becomes a zero of its sign under DAZ;
//!   a NaN operand takes precedence and raises no DE;
//! - directed rounding that clamps to the largest finite value overflows
//!   (APFloat reports only overflows to infinity).

use std::cmp::Ordering;

use rustc_apfloat::{Float, FloatConvert, Round, Status, StatusAnd};

use super::state::{DAZ, DE, FTZ, IE, MASK_SHIFT, OE, PE, RC_SHIFT, UE, ZE};
use crate::x87::rounded;

fn frac_bits<T: Float>() -> u32 {
    T::PRECISION as u32 - 1
}

fn exp_max<T: Float>() -> u64 {
    (1 << (T::BITS - T::PRECISION)) - 1
}

fn sign_bit<T: Float>() -> u64 {
    1 << (T::BITS - 1)
}

fn quiet_bit<T: Float>() -> u64 {
    1 << (frac_bits::<T>() - 1)
}

fn frac<T: Float>(x: u64) -> u64 {
    x & ((1 << frac_bits::<T>()) - 1)
}

fn exp<T: Float>(x: u64) -> u64 {
    x >> frac_bits::<T>() & exp_max::<T>()
}

fn is_nan<T: Float>(x: u64) -> bool {
    exp::<T>(x) == exp_max::<T>() && frac::<T>(x) != 0
}

fn is_snan<T: Float>(x: u64) -> bool {
    is_nan::<T>(x) && x & quiet_bit::<T>() == 0
}

fn is_denormal<T: Float>(x: u64) -> bool {
    exp::<T>(x) == 0 && frac::<T>(x) != 0
}

/// The result of masked invalid operations.
fn indefinite<T: Float>() -> u64 {
    sign_bit::<T>() | exp_max::<T>() << frac_bits::<T>() | quiet_bit::<T>()
}

#[derive(Clone, Copy)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// One instruction's view of MXCSR: the controls, and the exception flags
/// its lanes have raised so far.
pub(super) struct Env {
    round: Round,
    daz: bool,
    ftz: bool,
    /// Exception flags whose mask bit is clear.
    pub unmasked: u32,
    pub flags: u32,
}

impl Env {
    pub fn new(mxcsr: u32) -> Env {
        Env {
            round: match mxcsr >> RC_SHIFT & 3 {
                0 => Round::NearestTiesToEven,
                1 => Round::TowardNegative,
                2 => Round::TowardPositive,
                _ => Round::TowardZero,
            },
            daz: mxcsr & DAZ != 0,
            ftz: mxcsr & FTZ != 0,
            unmasked: !(mxcsr >> MASK_SHIFT) & 0x3f,
            flags: 0,
        }
    }

    /// The result of an operation on `a` and `b` if either is a NaN.
    fn nan_operands<T: Float>(&mut self, a: u64, b: u64) -> Option<u64> {
        if !is_nan::<T>(a) && !is_nan::<T>(b) {
            return None;
        }
        if is_snan::<T>(a) || is_snan::<T>(b) {
            self.flags |= IE;
        }
        Some(quiet_bit::<T>() | if is_nan::<T>(a) { a } else { b })
    }

    /// A non-NaN operand as a value: DAZ or DE for denormals (DE only if
    /// the instruction reports it).
    fn operand<T: Float>(&mut self, x: u64, reports_de: bool) -> T {
        let x = if is_denormal::<T>(x) && self.daz {
            x & sign_bit::<T>()
        } else {
            if is_denormal::<T>(x) && reports_de {
                self.flags |= DE;
            }
            x
        };
        T::from_bits(x.into())
    }

    /// The result of `compute` rounded by MXCSR, as bits, with its flags
    /// and FTZ. Tininess is detected before rounding, as x86 does: an
    /// inexact result rounded up to the smallest normal also underflows.
    fn result<T: Float>(&mut self, compute: &impl Fn(Round) -> StatusAnd<T>) -> u64 {
        let r = rounded(self.round, compute);
        if r.status.contains(Status::INVALID_OP) {
            self.flags |= IE;
            return indefinite::<T>();
        }
        let bits = r.value.to_bits() as u64;
        for (s, f) in [
            (Status::DIV_BY_ZERO, ZE),
            (Status::OVERFLOW, OE),
            (Status::INEXACT, PE),
        ] {
            if r.status.contains(s) {
                self.flags |= f;
            }
        }
        let smallest_normal = 1 << frac_bits::<T>();
        let inexact = r.status.contains(Status::INEXACT);
        let tiny = is_denormal::<T>(bits)
            || r.status.contains(Status::UNDERFLOW)
            || (inexact
                && bits & !sign_bit::<T>() == smallest_normal
                && is_denormal::<T>(compute(Round::TowardZero).value.to_bits() as u64));
        if tiny && self.unmasked & UE != 0 {
            // Trapping underflow is reported even for exact results.
            self.flags |= UE;
        } else if tiny && self.ftz {
            self.flags |= UE | PE;
            return bits & sign_bit::<T>();
        } else if tiny && inexact {
            self.flags |= UE;
        }
        bits
    }

    pub fn arith<T: Float>(&mut self, op: Arith, a: u64, b: u64) -> u64 {
        if let Some(nan) = self.nan_operands::<T>(a, b) {
            return nan;
        }
        // A zero divide is reported without the denormal operand.
        let zero_divide = matches!(op, Arith::Div) && b & !sign_bit::<T>() == 0;
        let (x, y) = (
            self.operand::<T>(a, !zero_divide),
            self.operand::<T>(b, true),
        );
        self.result(&|rd| match op {
            Arith::Add => x.add_r(y, rd),
            Arith::Sub => x.sub_r(y, rd),
            Arith::Mul => x.mul_r(y, rd),
            Arith::Div => x.div_r(y, rd),
        })
    }

    /// The square root: the x87's exact one rounded to the lane format.
    pub fn sqrt<T: Float>(&mut self, a: u64) -> u64 {
        let a = if is_denormal::<T>(a) && self.daz {
            a & sign_bit::<T>()
        } else {
            a
        };
        let (r, exc) = crate::x87::ieee_sqrt(a, T::BITS == 64, self.round);
        let exc = u32::from(exc);
        // An invalid operation (a negative denormal) reports no DE.
        self.flags |= if exc & IE != 0 { exc & !DE } else { exc };
        r
    }

    /// Compares `a` with `b`; `None` if unordered. Any NaN raises IE unless
    /// the comparison is a quiet one, which only SNaNs make invalid.
    pub fn compare<T: Float>(&mut self, a: u64, b: u64, quiet: bool) -> Option<Ordering> {
        if is_nan::<T>(a) || is_nan::<T>(b) {
            if !quiet || is_snan::<T>(a) || is_snan::<T>(b) {
                self.flags |= IE;
            }
            return None;
        }
        let (x, y) = (self.operand::<T>(a, true), self.operand::<T>(b, true));
        x.partial_cmp(&y)
    }

    /// `min`/`max`: the second operand (after DAZ) unless the first is
    /// strictly smaller (larger); so a NaN (which raises IE) or two zeros
    /// give the second.
    pub fn min_max<T: Float>(&mut self, a: u64, b: u64, max: bool) -> u64 {
        if is_nan::<T>(a) || is_nan::<T>(b) {
            self.flags |= IE;
            return self.operand::<T>(b, false).to_bits() as u64;
        }
        let (x, y) = (self.operand::<T>(a, true), self.operand::<T>(b, true));
        let want = if max {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        let pick = if x.partial_cmp(&y) == Some(want) {
            x
        } else {
            y
        };
        pick.to_bits() as u64
    }

    /// Between single and double; NaNs keep their sign and the top of
    /// their payload.
    pub fn convert<T: Float + FloatConvert<U>, U: Float>(&mut self, a: u64) -> u64 {
        if is_nan::<T>(a) {
            if is_snan::<T>(a) {
                self.flags |= IE;
            }
            let (from, to) = (frac_bits::<T>(), frac_bits::<U>());
            let payload = if to >= from {
                frac::<T>(a) << (to - from)
            } else {
                frac::<T>(a) >> (from - to)
            };
            let sign = if a & sign_bit::<T>() != 0 {
                sign_bit::<U>()
            } else {
                0
            };
            return sign | exp_max::<U>() << to | quiet_bit::<U>() | payload;
        }
        let x = self.operand::<T>(a, true);
        self.result::<U>(&|rd| x.convert_r(rd, &mut false))
    }

    /// To a 32-bit integer, rounded by MXCSR or truncated; NaNs and values
    /// out of range give the "integer indefinite" 0x8000_0000 and IE.
    pub fn int_of<T: Float>(&mut self, a: u64, truncate: bool) -> u32 {
        const INDEFINITE: u32 = 0x8000_0000;
        if is_nan::<T>(a) {
            self.flags |= IE;
            return INDEFINITE;
        }
        let x = self.operand::<T>(a, false);
        let round = if truncate {
            Round::TowardZero
        } else {
            self.round
        };
        let r = x.to_i128_r(32, round, &mut false);
        if r.status.contains(Status::INVALID_OP) {
            self.flags |= IE;
            return INDEFINITE;
        }
        if r.status.contains(Status::INEXACT) {
            self.flags |= PE;
        }
        r.value as u32
    }

    pub fn float_of<T: Float>(&mut self, v: i32) -> u64 {
        self.result(&|rd| T::from_i128_r(v.into(), rd))
    }
}

/// `rcp`/`rsqrt` of a single: the correctly rounded value (the hardware's
/// approximation is only specified to 1.5 × 2^-12 relative error). As on
/// the hardware, denormal operands count as zeros, tiny results are zeros,
/// no flags are raised and MXCSR is ignored.
pub(super) fn reciprocal(a: u32, sqrt: bool) -> u32 {
    let a = u64::from(a);
    type S = rustc_apfloat::ieee::Single;
    if is_nan::<S>(a) {
        return (a | quiet_bit::<S>()) as u32;
    }
    let sign = a & sign_bit::<S>() != 0;
    let x = match is_denormal::<S>(a) {
        true if sign => -0.0,
        true => 0.0,
        false => f64::from(f32::from_bits(a as u32)),
    };
    let r = match (sqrt, sign && x != 0.0) {
        (true, true) => return indefinite::<S>() as u32,
        (true, false) => 1.0 / x.sqrt(),
        (false, _) => 1.0 / x,
    };
    let r = r as f32;
    if r.is_subnormal() {
        r.to_bits() & 0x8000_0000
    } else {
        r.to_bits()
    }
}

#[cfg(test)]
mod tests {
    use rustc_apfloat::ieee::{Double, Single};

    use super::*;

    const ONE: u64 = 0x3ff0_0000_0000_0000;
    const THREE: u64 = 0x4008_0000_0000_0000;

    fn env(rc: u32, extra: u32) -> Env {
        Env::new(0x1f80 | rc << RC_SHIFT | extra)
    }

    #[test]
    fn simd_division_rounds_by_mxcsr() {
        // 1/3 = 0x3fd5555555555555 to nearest and down, ...56 up.
        let third = |rc| {
            let mut e = env(rc, 0);
            (e.arith::<Double>(Arith::Div, ONE, THREE), e.flags)
        };
        assert_eq!(third(0), (0x3fd5_5555_5555_5555, PE));
        assert_eq!(third(1), (0x3fd5_5555_5555_5555, PE));
        assert_eq!(third(2), (0x3fd5_5555_5555_5556, PE));
        let mut e = env(0, 0);
        assert_eq!(e.arith::<Double>(Arith::Div, ONE, 0), 0x7ff0_0000_0000_0000);
        assert_eq!(e.flags, ZE);
    }

    #[test]
    fn simd_nan_rules() {
        let mut e = env(0, 0);
        // 0/0: the negative indefinite.
        assert_eq!(e.arith::<Single>(Arith::Div, 0, 0), 0xffc0_0000);
        // Two NaNs: the first, quieted; a signalling one raises IE.
        assert_eq!(
            e.arith::<Single>(Arith::Add, 0x7f80_0001, 0x7fc0_0002),
            0x7fc0_0001
        );
        assert_eq!(e.flags, IE);
        // min/max give the second operand for a NaN and for two zeros.
        assert_eq!(
            e.min_max::<Single>(0x7fc0_0000, 0x3f80_0000, false),
            0x3f80_0000
        );
        assert_eq!(e.min_max::<Single>(0x8000_0000, 0, true), 0);
    }

    #[test]
    fn simd_denormals_under_daz_and_ftz() {
        let tiny = 1u64; // the smallest single denormal
        let mut e = env(0, 0);
        assert_eq!(e.arith::<Single>(Arith::Add, tiny, 0), tiny);
        assert_eq!(e.flags, DE);
        let mut e = env(0, DAZ);
        assert_eq!(e.arith::<Single>(Arith::Add, tiny, 0), 0);
        assert_eq!(e.flags, 0);
        // Half the smallest normal is a tiny result: flushed under FTZ.
        let mut e = env(0, FTZ);
        assert_eq!(e.arith::<Single>(Arith::Mul, 0x0080_0000, 0x3f00_0000), 0);
        assert_eq!(e.flags, UE | PE);
    }

    #[test]
    fn simd_integer_conversions() {
        let mut e = env(0, 0);
        assert_eq!(e.int_of::<Double>(0x4004_0000_0000_0000, false), 2); // 2.5 to even
        assert_eq!(e.int_of::<Double>(0x4004_0000_0000_0000, true), 2);
        assert_eq!(e.flags, PE);
        assert_eq!(e.int_of::<Single>(0x4f00_0000, true), 0x8000_0000); // 2^31
        assert_eq!(e.flags, PE | IE);
        let mut e = env(0, 0);
        assert_eq!(e.float_of::<Single>(16_777_217), 0x4b80_0000);
        assert_eq!(e.flags, PE);
    }

    #[test]
    fn simd_reciprocal_specials() {
        assert_eq!(reciprocal(0, false), 0x7f80_0000);
        assert_eq!(reciprocal(0x8000_0001, false), 0xff80_0000);
        assert_eq!(reciprocal(0xbf80_0000, true), 0xffc0_0000);
        assert_eq!(reciprocal(0x7f7f_ffff, false), 0);
        assert_eq!(reciprocal(0x4080_0000, true), 0x3f00_0000);
    }
}

//! The 80-bit extended-precision value of an x87 register and its
//! conversions to and from the memory formats (m32/m64/m80 reals, m16/m32/m64
//! integers, m80 packed BCD).
//!
//! An [`F80`] is kept as the raw register bits: a 64-bit significand with an
//! explicit integer bit, and 16 bits of sign and biased exponent. Rounded
//! arithmetic on it goes through `rustc_apfloat`'s `X87DoubleExtended`
//! (a port of LLVM's APFloat), which rounds correctly in all four modes;
//! NaN operands, the "indefinite" result and the exception flags follow the
//! x87 rules here and in `arith.rs`, not APFloat's.

use rustc_apfloat::ieee::{Double, Single, X87DoubleExtended};
use rustc_apfloat::{Float, FloatConvert, Round, Status, StatusAnd};

/// The arbitrary-precision view used for rounded arithmetic.
pub(super) type Ap = X87DoubleExtended;

/// Exception flags, in their status-word bit positions.
pub(super) type Exc = u16;
pub(super) const IE: Exc = 0x01; // invalid operation
pub(super) const DE: Exc = 0x02; // denormal operand
pub(super) const ZE: Exc = 0x04; // zero divide
pub(super) const OE: Exc = 0x08; // overflow
pub(super) const UE: Exc = 0x10; // underflow
pub(super) const PE: Exc = 0x20; // precision (inexact)

/// Condition codes, in their status-word bit positions. C1 travels with the
/// exception flags of a result: after an inexact result it tells that
/// rounding increased the magnitude ("rounded up").
pub(super) const C0: u16 = 0x100;
pub(super) const C1: u16 = 0x200;
pub(super) const C2: u16 = 0x400;
pub(super) const C3: u16 = 0x4000;

/// C1 for a result `v` with flags `exc` rounded by `round`: set when it is
/// inexact and differs from the value rounded toward zero.
pub(super) fn rounded_up<T: PartialEq>(
    v: T,
    exc: Exc,
    round: Round,
    toward_zero: impl FnOnce() -> T,
) -> Exc {
    if exc & PE != 0 && round != Round::TowardZero && toward_zero() != v {
        C1
    } else {
        0
    }
}

/// The x87 flags for APFloat's IEEE status.
pub(super) fn exc_of(s: Status) -> Exc {
    let mut e = 0;
    for (st, x) in [
        (Status::INVALID_OP, IE),
        (Status::DIV_BY_ZERO, ZE),
        (Status::OVERFLOW, OE),
        (Status::UNDERFLOW, UE),
        (Status::INEXACT, PE),
    ] {
        if s.contains(st) {
            e |= x;
        }
    }
    e
}

/// Runs a rounded operation, adding the overflow flag APFloat leaves out:
/// it reports OVERFLOW only with an infinite result, while the x87 also does
/// when directed rounding clamps to the largest finite value. (The exact
/// results within one ulp above the largest value are misjudged.)
pub(crate) fn rounded<T: Float>(round: Round, op: &impl Fn(Round) -> StatusAnd<T>) -> StatusAnd<T> {
    let mut r = op(round);
    let clamped = r.status.contains(Status::INEXACT) && r.value.abs().bitwise_eq(T::largest());
    if clamped && !r.status.contains(Status::OVERFLOW) {
        r.status |= op(Round::NearestTiesToEven).status & Status::OVERFLOW;
    }
    r
}

/// What `fxam` tells apart (plus "empty", which is the register's business).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// Encodings the 387 and later reject: unnormals, pseudo-NaN/-infinity.
    Unsupported,
    Nan,
    Normal,
    Infinity,
    Zero,
    /// Denormals and pseudo-denormals (exponent 0, significand non-zero).
    Denormal,
}

/// An x87 register value: significand with explicit integer bit, and
/// sign + 15-bit biased exponent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct F80 {
    pub(super) mant: u64,
    pub(super) se: u16,
}

const INT_BIT: u64 = 1 << 63;
const QUIET_BIT: u64 = 1 << 62;
pub(super) const BIAS: i32 = 16383;

/// The layout of an IEEE interchange format in memory.
struct Ieee {
    frac_bits: u32,
    exp_bits: u32,
}
const M32: Ieee = Ieee {
    frac_bits: 23,
    exp_bits: 8,
};
const M64: Ieee = Ieee {
    frac_bits: 52,
    exp_bits: 11,
};

impl F80 {
    pub const ZERO: F80 = F80 { mant: 0, se: 0 };
    #[cfg(test)]
    pub const ONE: F80 = F80 {
        mant: INT_BIT,
        se: BIAS as u16,
    };
    /// The "real indefinite" QNaN every masked invalid operation produces.
    pub const INDEFINITE: F80 = F80 {
        mant: INT_BIT | QUIET_BIT,
        se: 0xffff,
    };

    pub fn from_bytes(b: [u8; 10]) -> F80 {
        let mut m = [0; 8];
        m.copy_from_slice(&b[..8]);
        F80 {
            mant: u64::from_le_bytes(m),
            se: u16::from_le_bytes([b[8], b[9]]),
        }
    }

    pub fn to_bytes(self) -> [u8; 10] {
        let mut b = [0; 10];
        b[..8].copy_from_slice(&self.mant.to_le_bytes());
        b[8..].copy_from_slice(&self.se.to_le_bytes());
        b
    }

    pub(super) fn sign(self) -> bool {
        self.se & 0x8000 != 0
    }

    /// Biased exponent.
    pub(super) fn exp(self) -> u16 {
        self.se & 0x7fff
    }

    pub(super) fn with_sign(self, neg: bool) -> F80 {
        F80 {
            se: (self.se & 0x7fff) | if neg { 0x8000 } else { 0 },
            ..self
        }
    }

    pub(super) fn class(self) -> Class {
        let int = self.mant & INT_BIT != 0;
        match (self.exp(), int) {
            (0, _) if self.mant == 0 => Class::Zero,
            (0, _) => Class::Denormal,
            (0x7fff, true) if self.mant << 1 == 0 => Class::Infinity,
            (0x7fff, true) => Class::Nan,
            (_, true) => Class::Normal,
            (_, false) => Class::Unsupported,
        }
    }

    pub(super) fn is_nan(self) -> bool {
        self.class() == Class::Nan
    }

    pub(super) fn is_snan(self) -> bool {
        self.is_nan() && self.mant & QUIET_BIT == 0
    }

    pub(super) fn quieted(self) -> F80 {
        F80 {
            mant: self.mant | QUIET_BIT,
            ..self
        }
    }

    pub(super) fn to_ap(self) -> Ap {
        Ap::from_bits(u128::from(self.se) << 64 | u128::from(self.mant))
    }

    pub(super) fn from_ap(a: Ap) -> F80 {
        let bits = a.to_bits();
        F80 {
            mant: bits as u64,
            se: (bits >> 64) as u16,
        }
    }

    /// An exactly representable integer.
    pub(super) fn from_int(v: i64) -> F80 {
        F80::from_ap(Ap::from_i128(v.into()).value)
    }

    pub(super) fn from_f32(bits: u32) -> (F80, Exc) {
        F80::from_ieee(bits.into(), M32)
    }

    pub(super) fn from_f64(bits: u64) -> (F80, Exc) {
        F80::from_ieee(bits, M64)
    }

    /// Widening is exact; only signalling NaNs (IE, quieted) and denormal
    /// operands (DE) raise flags.
    fn from_ieee(bits: u64, f: Ieee) -> (F80, Exc) {
        let emax = (1u64 << f.exp_bits) - 1;
        let bias = (emax >> 1) as i32;
        let neg = bits >> (f.frac_bits + f.exp_bits) & 1 != 0;
        let exp = (bits >> f.frac_bits) & emax;
        let frac = bits & ((1u64 << f.frac_bits) - 1);
        let sign = if neg { 0x8000 } else { 0 };
        let up = 63 - f.frac_bits; // aligns the fraction below the integer bit
        let (v, exc) = if exp == emax {
            let nan = frac != 0;
            let snan = nan && frac >> (f.frac_bits - 1) == 0;
            let mant = INT_BIT | frac << up | if snan { QUIET_BIT } else { 0 };
            (
                F80 {
                    mant,
                    se: sign | 0x7fff,
                },
                if snan { IE } else { 0 },
            )
        } else if exp == 0 && frac == 0 {
            (F80 { mant: 0, se: sign }, 0)
        } else if exp == 0 {
            let lz = frac.leading_zeros();
            let e = (63 - lz) as i32 - f.frac_bits as i32 + 1 - bias + BIAS;
            (
                F80 {
                    mant: frac << lz,
                    se: sign | e as u16,
                },
                DE,
            )
        } else {
            let e = exp as i32 - bias + BIAS;
            (
                F80 {
                    mant: INT_BIT | frac << up,
                    se: sign | e as u16,
                },
                0,
            )
        };
        (v, exc)
    }

    pub(super) fn to_f32(self, round: Round) -> (u32, Exc) {
        let (bits, exc) = self.to_ieee::<Single>(M32, round);
        (bits as u32, exc)
    }

    pub(super) fn to_f64(self, round: Round) -> (u64, Exc) {
        self.to_ieee::<Double>(M64, round)
    }

    /// Narrowing rounds by `round`; NaNs keep their sign and the top of their
    /// payload, as the hardware does. (Stores raise no DE, unlike loads.)
    fn to_ieee<T: Float>(self, f: Ieee, round: Round) -> (u64, Exc)
    where
        Ap: FloatConvert<T>,
    {
        let sign = u64::from(self.sign()) << (f.frac_bits + f.exp_bits);
        let inf_exp = ((1u64 << f.exp_bits) - 1) << f.frac_bits;
        let quiet = 1u64 << (f.frac_bits - 1);
        match self.class() {
            Class::Unsupported => (1 << (f.frac_bits + f.exp_bits) | inf_exp | quiet, IE),
            Class::Nan => {
                let payload = (self.mant << 1) >> (64 - f.frac_bits);
                (
                    sign | inf_exp | payload | quiet,
                    if self.is_snan() { IE } else { 0 },
                )
            }
            _ => {
                let convert = |rd| -> StatusAnd<T> { self.to_ap().convert_r(rd, &mut false) };
                let r = rounded(round, &convert);
                let (bits, exc) = (r.value.to_bits() as u64, exc_of(r.status));
                (
                    bits,
                    exc | rounded_up(bits, exc, round, || {
                        convert(Round::TowardZero).value.to_bits() as u64
                    }),
                )
            }
        }
    }

    /// Rounds to a `width`-bit signed integer; out of range or NaN gives IE
    /// and `None` (the caller stores the "integer indefinite").
    pub(super) fn to_int(self, width: usize, round: Round) -> (Option<i64>, Exc) {
        if matches!(
            self.class(),
            Class::Nan | Class::Unsupported | Class::Infinity
        ) {
            return (None, IE);
        }
        let convert = |rd| self.to_ap().to_i128_r(width, rd, &mut false);
        let r = convert(round);
        if r.status.contains(Status::INVALID_OP) {
            return (None, IE);
        }
        let exc = exc_of(r.status);
        (
            Some(r.value as i64),
            exc | rounded_up(r.value, exc, round, || convert(Round::TowardZero).value),
        )
    }

    /// Packed BCD (18 digits, sign in the top bit of byte 9) to a value.
    /// Invalid digits give an undefined result on hardware; we read them as
    /// their binary value.
    pub(super) fn from_bcd(b: [u8; 10]) -> F80 {
        let v = b[..9].iter().rev().fold(0i64, |acc, &d| {
            acc * 100 + i64::from(d >> 4) * 10 + i64::from(d & 15)
        });
        F80::from_int(if b[9] & 0x80 != 0 { -v } else { v })
    }

    /// Rounds to packed BCD; more than 18 digits gives IE and `None`.
    pub(super) fn to_bcd(self, round: Round) -> (Option<[u8; 10]>, Exc) {
        match self.to_int(64, round) {
            (Some(v), exc) if v.unsigned_abs() < 1_000_000_000_000_000_000 => {
                let mut out = [0u8; 10];
                let mut n = v.unsigned_abs();
                for byte in &mut out[..9] {
                    *byte = (n % 10) as u8 | ((n / 10 % 10) as u8) << 4;
                    n /= 100;
                }
                out[9] = if self.sign() { 0x80 } else { 0 };
                (Some(out), exc)
            }
            _ => (None, IE),
        }
    }
}

/// The constants of `fld1`, `fldpi`, … to 128 bits, so that rounding them to
/// 64 bits honours the rounding control as the hardware does.
#[derive(Clone, Copy, Debug)]
pub(super) struct Constant {
    /// Significand with its top bit set; the value is `mant * 2^(exp - 127)`.
    pub(super) mant: u128,
    pub(super) exp: i32,
}

impl Constant {
    pub(super) const ZERO: Constant = Constant { mant: 0, exp: 0 };
    pub(super) const ONE: Constant = Constant {
        mant: 1 << 127,
        exp: 0,
    };
    pub(super) const L2T: Constant = Constant {
        mant: 0xd49a784bcd1b8afe492bf6ff4dafdb4c,
        exp: 1,
    };
    pub(super) const L2E: Constant = Constant {
        mant: 0xb8aa3b295c17f0bbbe87fed0691d3e88,
        exp: 0,
    };
    pub(super) const PI: Constant = Constant {
        mant: 0xc90fdaa22168c234c4c6628b80dc1cd1,
        exp: 1,
    };
    pub(super) const LG2: Constant = Constant {
        mant: 0x9a209a84fbcff7988f8959ac0b7c9178,
        exp: -2,
    };
    pub(super) const LN2: Constant = Constant {
        mant: 0xb17217f7d1cf79abc9e3b39803f2f6af,
        exp: -1,
    };

    pub(super) fn round(self, round: Round) -> F80 {
        // Rounding to 64 bits first and scaling after is exact: every
        // constant is far from the denormal and overflow ranges.
        let v = Ap::from_u128_r(self.mant, round).value;
        F80::from_ap(v.scalbn(self.exp - 127))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RN: Round = Round::NearestTiesToEven;

    #[test]
    fn x87_m80_bytes_round_trip() {
        // 1.0 as `fstp tbyte` writes it.
        let one = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f];
        assert_eq!(F80::from_bytes(one), F80::ONE);
        assert_eq!(F80::ONE.to_bytes(), one);
    }

    #[test]
    fn x87_m64_round_trips() {
        for x in [
            0.0f64,
            -0.0,
            1.5,
            -3.25e-300,
            4.9e-324,
            f64::MAX,
            f64::INFINITY,
            -f64::INFINITY,
            0.1,
        ] {
            let (v, _) = F80::from_f64(x.to_bits());
            assert_eq!(v.to_f64(RN), (x.to_bits(), 0), "{x}");
        }
        let (d, exc) = F80::from_f64(4.9e-324f64.to_bits());
        assert_eq!((d.se, d.mant, exc), (BIAS as u16 - 1074, INT_BIT, DE));
        // A quiet NaN keeps sign and payload; a signalling one is quieted.
        let qnan = 0xfff8_0000_0000_1234u64;
        assert_eq!(F80::from_f64(qnan).0.to_f64(RN), (qnan, 0));
        let (s, exc) = F80::from_f64(0x7ff0_0000_0000_0001);
        assert_eq!((s.to_f64(RN).0, exc), (0x7ff8_0000_0000_0001, IE));
    }

    #[test]
    fn x87_m32_round_trips_and_rounding() {
        for x in [0.0f32, -1.0, 1.0e-45, 3.4e38, f32::INFINITY, 0.1] {
            let (v, _) = F80::from_f32(x.to_bits());
            assert_eq!(v.to_f32(RN), (x.to_bits(), 0), "{x}");
        }
        // 0.1 as a double rounds differently per mode when narrowed to float.
        let (tenth, _) = F80::from_f64(0.1f64.to_bits());
        assert_eq!(tenth.to_f32(RN), (0.1f32.to_bits(), PE | C1));
        assert_eq!(tenth.to_f32(Round::TowardZero), (0.1f32.to_bits() - 1, PE));
        assert_eq!(tenth.to_f64(RN), (0.1f64.to_bits(), 0));
        // Overflow to infinity in m32.
        let (big, _) = F80::from_f64(1e300f64.to_bits());
        assert_eq!(big.to_f32(RN), (f32::INFINITY.to_bits(), OE | PE | C1));
        assert_eq!(F80::INDEFINITE.to_f64(RN), (0xfff8_0000_0000_0000, 0));
    }

    #[test]
    fn x87_integer_stores_per_rounding_mode() {
        let v = |x: f64| F80::from_f64(x.to_bits()).0;
        let modes = [
            Round::NearestTiesToEven,
            Round::TowardNegative,
            Round::TowardPositive,
            Round::TowardZero,
        ];
        let cases: [(f64, [i64; 4]); 5] = [
            (2.5, [2, 2, 3, 2]),
            (-2.5, [-2, -3, -2, -2]),
            (3.5, [4, 3, 4, 3]),
            (-0.2, [0, -1, 0, 0]),
            (7.0, [7, 7, 7, 7]),
        ];
        for (x, want) in cases {
            for (m, w) in modes.iter().zip(want) {
                assert_eq!(v(x).to_int(32, *m).0, Some(w), "{x} {m:?}");
            }
        }
        assert_eq!(v(2.5).to_int(32, RN).1, PE);
        assert_eq!(v(7.0).to_int(32, RN).1, 0);
        assert_eq!(v(3e9).to_int(32, RN), (None, IE));
        assert_eq!(v(-32768.0).to_int(16, RN), (Some(-32768), 0));
        assert_eq!(v(32768.0).to_int(16, RN), (None, IE));
        assert_eq!(v(-9.3e18).to_int(64, RN), (None, IE));
        assert_eq!(F80::INDEFINITE.to_int(64, RN), (None, IE));
        assert_eq!(F80::from_int(i64::MIN).to_int(64, RN), (Some(i64::MIN), 0));
    }

    #[test]
    fn x87_bcd_round_trip() {
        let b = [0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80];
        let v = F80::from_bcd(b);
        assert_eq!(v.to_int(64, RN).0, Some(-123456789));
        assert_eq!(v.to_bcd(RN).0, Some(b));
        assert_eq!(F80::from_int(i64::MAX).to_bcd(RN), (None, IE));
    }

    #[test]
    fn x87_constants_follow_rounding_control() {
        let pi = Constant::PI.round(RN);
        assert_eq!((pi.se, pi.mant), (0x4000, 0xc90fdaa22168c235));
        assert_eq!(
            Constant::PI.round(Round::TowardZero).mant,
            0xc90fdaa22168c234
        );
        assert_eq!(Constant::L2E.round(RN).mant, 0xb8aa3b295c17f0bc);
        assert_eq!(Constant::L2T.round(RN).mant, 0xd49a784bcd1b8afe);
        assert_eq!(
            Constant::L2T.round(Round::TowardPositive).mant,
            0xd49a784bcd1b8aff
        );
        assert_eq!(
            Constant::LG2.round(RN),
            F80 {
                mant: 0x9a209a84fbcff799,
                se: 0x3ffd
            }
        );
        assert_eq!(
            Constant::LN2.round(RN),
            F80 {
                mant: 0xb17217f7d1cf79ac,
                se: 0x3ffe
            }
        );
        assert_eq!(Constant::ONE.round(RN), F80::ONE);
    }
}

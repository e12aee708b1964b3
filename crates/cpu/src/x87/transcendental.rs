//! The x87 transcendental instructions (`fsin`, `fcos`, `fsincos`, `fptan`,
//! `fpatan`, `fyl2x`, `fyl2xp1`, `f2xm1`), computed in IEEE quadruple
//! precision (113-bit significand) and rounded once to extended precision by
//! the rounding control.
//!
//! The hardware is not correctly rounded either (Intel documents errors
//! below one ulp), so results may differ from a real x87 in the last bit of
//! the 64-bit significand, very rarely in what a program prints as a double.
//! Like the hardware, the trigonometric instructions reduce their argument
//! with a 66-bit approximation of π, so large arguments give the same
//! (inaccurate) results as on a real x87; arguments of 2^63 or more are
//! refused with C2 set (in `exec.rs`).

use std::ops::{Add, Div, Mul, Neg, Sub};

use rustc_apfloat::ieee::{Double, Quad};
use rustc_apfloat::{Float, FloatConvert, Round, Status, StatusAnd};

use super::arith::nan_operands;
use super::f80::{rounded_up, Ap, Class, Constant, Exc, DE, F80, IE, PE, UE, ZE};

/// A quadruple-precision value; every operation rounds to nearest.
#[derive(Clone, Copy, Debug)]
struct Q(Quad);

macro_rules! q_op {
    ($($trait:ident $method:ident),*) => {$(
        impl $trait for Q {
            type Output = Q;
            fn $method(self, rhs: Q) -> Q {
                Q(self.0.$method(rhs.0).value)
            }
        }
    )*};
}
q_op!(Add add, Sub sub, Mul mul, Div div);

impl Neg for Q {
    type Output = Q;
    fn neg(self) -> Q {
        Q(-self.0)
    }
}

impl Q {
    fn int(n: i64) -> Q {
        Q(Quad::from_i128(n.into()).value)
    }

    fn of(v: F80) -> Q {
        Q(v.to_ap().convert(&mut false).value)
    }

    fn constant(c: Constant) -> Q {
        Q(Quad::from_u128(c.mant).value.scalbn(c.exp - 127))
    }

    fn scale(self, n: i32) -> Q {
        Q(self.0.scalbn(n))
    }

    /// True once adding `term` no longer changes `sum`: a series has converged.
    fn negligible(sum: Q, term: Q) -> bool {
        (sum + term).0.bitwise_eq(sum.0)
    }

    /// The computed value as an x87 result: rounded once, and inexact.
    fn result(self, round: Round, exc: Exc) -> (F80, Exc) {
        let convert = |rd| -> StatusAnd<Ap> { self.0.convert_r(rd, &mut false) };
        let r = convert(round);
        let v = F80::from_ap(r.value);
        let ue = if v.class() == Class::Denormal || r.status.contains(Status::UNDERFLOW) {
            UE
        } else {
            0
        };
        let toward_zero = || F80::from_ap(convert(Round::TowardZero).value);
        (v, exc | PE | ue | rounded_up(v, PE, round, toward_zero))
    }
}

fn denormal(vals: &[F80]) -> Exc {
    if vals.iter().any(|v| v.class() == Class::Denormal) {
        DE
    } else {
        0
    }
}

/// π/2 with the 66-bit π the hardware reduces trigonometric arguments by.
fn half_pi_66() -> Q {
    // The 128-bit π truncated to 66 bits (its next bit is 0: also rounded).
    let pi66 = Constant {
        mant: Constant::PI.mant >> 62 << 62,
        exp: Constant::PI.exp,
    };
    Q::constant(pi66).scale(-1)
}

/// (sin r, cos r) by Taylor series, for |r| ≤ π/4.
fn sin_cos_series(r: Q) -> (Q, Q) {
    let r2 = r * r;
    let (mut sin, mut term) = (r, r);
    for n in 1..40 {
        term = term * -r2 / Q::int(2 * n * (2 * n + 1));
        if Q::negligible(sin, term) {
            break;
        }
        sin = sin + term;
    }
    let (mut cos, mut term) = (Q::int(1), Q::int(1));
    for n in 1..40 {
        term = term * -r2 / Q::int((2 * n - 1) * 2 * n);
        if Q::negligible(cos, term) {
            break;
        }
        cos = cos + term;
    }
    (sin, cos)
}

/// (sin x, cos x) for a finite x below 2^63.
fn sin_cos(x: Q) -> (Q, Q) {
    let half_pi = half_pi_66();
    let k = Q((x / half_pi)
        .0
        .round_to_integral(Round::NearestTiesToEven)
        .value);
    let (s, c) = sin_cos_series(x - k * half_pi);
    match k.0.to_i128(128).value & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// The results of a trigonometric instruction: ST(0), and what it pushes.
pub(super) type Trig = (F80, Option<F80>, Exc);

/// Shared special cases: NaN, infinity (invalid) and zero (exact).
fn trig(
    a: F80,
    round: Round,
    pushes: bool,
    f: fn(Q) -> (Q, Option<Q>),
    zero: fn(F80) -> (F80, Option<F80>),
) -> Trig {
    let both = |v: F80, exc| (v, pushes.then_some(v), exc);
    if let Some((r, exc)) = nan_operands(a, a) {
        return both(r, exc);
    }
    match a.class() {
        Class::Infinity => both(F80::INDEFINITE, IE),
        Class::Zero => {
            let (r, s) = zero(a);
            (r, s, 0)
        }
        _ => {
            let de = denormal(&[a]);
            let (r, s) = f(Q::of(a));
            let (r, e1) = r.result(round, de);
            let (s, e2) = s.map_or((None, 0), |s| {
                let (s, e) = s.result(round, de);
                (Some(s), e)
            });
            (r, s, e1 | e2)
        }
    }
}

pub(super) fn sin(a: F80, round: Round) -> Trig {
    trig(a, round, false, |x| (sin_cos(x).0, None), |z| (z, None))
}

pub(super) fn cos(a: F80, round: Round) -> Trig {
    trig(
        a,
        round,
        false,
        |x| (sin_cos(x).1, None),
        |_| (F80::from_int(1), None),
    )
}

/// `fsincos`: ST(0) becomes the sine, the cosine is pushed.
pub(super) fn sincos(a: F80, round: Round) -> Trig {
    trig(
        a,
        round,
        true,
        |x| {
            let (s, c) = sin_cos(x);
            (s, Some(c))
        },
        |z| (z, Some(F80::from_int(1))),
    )
}

/// `fptan`: ST(0) becomes the tangent, 1.0 is pushed.
pub(super) fn tan(a: F80, round: Round) -> Trig {
    let (r, s, exc) = trig(
        a,
        round,
        true,
        |x| {
            let (s, c) = sin_cos(x);
            (s / c, None)
        },
        |z| (z, None),
    );
    (r, Some(s.unwrap_or(F80::from_int(1))), exc)
}

/// atan t for 0 ≤ t ≤ 1: two argument halvings, then the Taylor series.
fn atan(t: Q) -> Q {
    let mut t = t;
    for _ in 0..2 {
        t = t / (Q::int(1) + sqrt(Q::int(1) + t * t));
    }
    let t2 = t * t;
    let (mut sum, mut power) = (t, t);
    for n in 1..80 {
        power = power * -t2;
        let term = power / Q::int(2 * n + 1);
        if Q::negligible(sum, term) {
            break;
        }
        sum = sum + term;
    }
    sum.scale(2)
}

/// √v for 1 ≤ v ≤ 2: Newton's method from the `f64` root (53 → 106 → 113 bits).
fn sqrt(v: Q) -> Q {
    let d: Double = v.0.convert(&mut false).value;
    let root = f64::from_bits(d.to_bits() as u64).sqrt();
    let mut s = Q(Double::from_bits(root.to_bits().into())
        .convert(&mut false)
        .value);
    for _ in 0..2 {
        s = (s + v / s).scale(-1);
    }
    s
}

/// `fpatan`: ST(1) = atan(ST(1)/ST(0)) in the quadrant of (ST(0), ST(1)).
pub(super) fn atan2(x: F80, y: F80, round: Round) -> (F80, Exc) {
    if let Some(r) = nan_operands(x, y) {
        return r;
    }
    let de = denormal(&[x, y]);
    let pi = Q::constant(Constant::PI);
    let (ax, ay) = (Q::of(x.with_sign(false)), Q::of(y.with_sign(false)));
    let base = match (x.class(), y.class()) {
        (Class::Infinity, Class::Infinity) => pi.scale(-2),
        (_, Class::Infinity) | (Class::Zero, _) if y.class() != Class::Zero => pi.scale(-1),
        (Class::Infinity, _) | (_, Class::Zero) => Q::int(0),
        _ if ay.0 <= ax.0 => atan(ay / ax),
        _ => pi.scale(-1) - atan(ax / ay),
    };
    let angle = if x.sign() { pi - base } else { base };
    if angle.0.is_zero() {
        return (F80::ZERO.with_sign(y.sign()), de);
    }
    let angle = if y.sign() { -angle } else { angle };
    angle.result(round, de)
}

/// log2 v for a finite v > 0: v = m·2^e with m in [√½, √2), and
/// log2 m = 2·atanh((m−1)/(m+1))·log2(e).
fn log2(v: Q) -> Q {
    let mut e = v.0.ilogb();
    let mut m = v.scale(-e);
    if m.0
        > Q::constant(Constant {
            mant: 0xb504_f333_f9de_6484_597d_89b3_754a_be9f,
            exp: 0,
        })
        .0
    {
        m = m.scale(-1);
        e += 1;
    }
    log2_atanh((m - Q::int(1)) / (m + Q::int(1))) + Q::int(e.into())
}

/// 2·atanh(s)·log2(e), the series for small |s|.
fn log2_atanh(s: Q) -> Q {
    let s2 = s * s;
    let (mut sum, mut power) = (s, s);
    for n in 1..200 {
        power = power * s2;
        let term = power / Q::int(2 * n + 1);
        if Q::negligible(sum, term) {
            break;
        }
        sum = sum + term;
    }
    sum.scale(1) * Q::constant(Constant::L2E)
}

/// `fyl2x` (`plus_one` false) and `fyl2xp1`: ST(1) × log2(ST(0) [+ 1]).
pub(super) fn y_log2_x(x: F80, y: F80, plus_one: bool, round: Round) -> (F80, Exc) {
    if let Some(r) = nan_operands(x, y) {
        return r;
    }
    let de = denormal(&[x, y]);
    let (qx, one) = (Q::of(x), Q::int(1));
    // The logarithm with its IEEE special values, before the product.
    let arg = if plus_one { qx + one } else { qx };
    let log = match arg.0.partial_cmp(&Q::int(0).0) {
        Some(std::cmp::Ordering::Less) => return (F80::INDEFINITE, IE),
        Some(std::cmp::Ordering::Equal) => Q(-Quad::INFINITY),
        _ if arg.0.is_infinite() => arg,
        // Small arguments of fyl2xp1 keep their precision: log2(1+x) =
        // 2·atanh(x/(2+x))·log2(e).
        _ if plus_one && x.exp() < 0x3ffe => log2_atanh(qx / (qx + Q::int(2))),
        _ => log2(arg),
    };
    let product = Q::of(y).0.mul_r(log.0, Round::NearestTiesToEven);
    if product.status.contains(Status::INVALID_OP) {
        return (F80::INDEFINITE, IE);
    }
    let ze = if log.0.is_infinite() && !arg.0.is_infinite() {
        ZE
    } else {
        0
    };
    if product.value.is_zero() || product.value.is_infinite() {
        return (
            F80::from_ap(product.value.convert(&mut false).value),
            de | ze,
        );
    }
    Q(product.value).result(round, de | ze)
}

/// `f2xm1`: 2^x − 1 (defined for |x| ≤ 1; larger x is computed as well).
pub(super) fn exp2_minus_1(x: F80, round: Round) -> (F80, Exc) {
    if let Some(r) = nan_operands(x, x) {
        return r;
    }
    match x.class() {
        Class::Zero => return (x, 0),
        Class::Infinity if x.sign() => return (F80::from_int(-1), 0),
        Class::Infinity => return (x, 0),
        _ => {}
    }
    let q = Q::of(x);
    let n = q.0.round_to_integral(Round::NearestTiesToEven).value;
    // 2^f − 1 = expm1(f·ln 2) by its Taylor series, |f·ln 2| ≤ 0.35.
    let y = (q - Q(n)) * Q::constant(Constant::LN2);
    let (mut sum, mut term) = (y, y);
    for k in 2..60 {
        term = term * y / Q::int(k);
        if Q::negligible(sum, term) {
            break;
        }
        sum = sum + term;
    }
    let n = n.to_i128(32).value as i32;
    let r = if n == 0 {
        sum
    } else {
        (sum + Q::int(1)).scale(n) - Q::int(1)
    };
    r.result(round, denormal(&[x]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RN: Round = Round::NearestTiesToEven;

    fn v(x: f64) -> F80 {
        F80::from_f64(x.to_bits()).0
    }

    impl F80 {
        fn parts(self) -> (u16, u64) {
            (self.se, self.mant)
        }
    }

    /// Sign/exponent and significand.
    type Bits = (u16, u64);

    /// Expected values are a real x87's, printed by `testdata/transcendental.c`.
    #[test]
    fn x87_transcendentals_match_hardware() {
        let cases: [(&str, Bits, Bits); 19] = [
            (
                "sin 1",
                sin(v(1.0), RN).0.parts(),
                (0x3ffe, 0xd76a_a478_4867_7021),
            ),
            (
                "cos 1",
                cos(v(1.0), RN).0.parts(),
                (0x3ffe, 0x8a51_407d_a834_5c92),
            ),
            (
                "tan .5",
                tan(v(0.5), RN).0.parts(),
                (0x3ffe, 0x8bda_7adf_9a3a_5219),
            ),
            (
                "atan2(1,-1)",
                atan2(v(-1.0), v(1.0), RN).0.parts(),
                (0x4000, 0x96cb_e3f9_990e_91a8),
            ),
            (
                "2 log2 10",
                y_log2_x(v(10.0), v(2.0), false, RN).0.parts(),
                (0x4001, 0xd49a_784b_cd1b_8afe),
            ),
            (
                "f2xm1 .5",
                exp2_minus_1(v(0.5), RN).0.parts(),
                (0x3ffd, 0xd413_cccf_e779_9211),
            ),
            (
                "sin 1000",
                sin(v(1000.0), RN).0.parts(),
                (0x3ffe, 0xd3ae_60a8_5103_5ad7),
            ),
            (
                "sin pi",
                sin(
                    F80 {
                        se: 0x4000,
                        mant: 0xc90f_daa2_2168_c235,
                    },
                    RN,
                )
                .0
                .parts(),
                (0xbfbf, 0x8000_0000_0000_0000),
            ),
            (
                "cos 1e10",
                cos(v(1e10), RN).0.parts(),
                (0x3ffe, 0xdf84_c480_eb7f_65b5),
            ),
            (
                "log2 1.25",
                y_log2_x(v(0.25), v(1.0), true, RN).0.parts(),
                (0x3ffd, 0xa4d3_c25e_68dc_57f2),
            ),
            (
                "log2 1+1e-10",
                y_log2_x(
                    F80 {
                        se: 0x3fdd,
                        mant: 0xdbe6_fece_bded_d5bf,
                    },
                    v(1.0),
                    true,
                    RN,
                )
                .0
                .parts(),
                (0x3fde, 0x9ea0_415b_6f90_8c1f),
            ),
            (
                "log2 3",
                y_log2_x(v(3.0), v(1.0), false, RN).0.parts(),
                (0x3fff, 0xcae0_0d1c_fdeb_43d0),
            ),
            (
                "log2 1e-300",
                y_log2_x(
                    F80 {
                        se: 0x3c1a,
                        mant: 0xab70_fe17_c79a_c6ca,
                    },
                    v(1.0),
                    false,
                    RN,
                )
                .0
                .parts(),
                (0xc008, 0xf925_04f8_d45c_46e2),
            ),
            (
                "f2xm1 -.3",
                exp2_minus_1(
                    F80 {
                        se: 0xbffd,
                        mant: 0x9999_9999_9999_999a,
                    },
                    RN,
                )
                .0
                .parts(),
                (0xbffc, 0xc040_e866_3598_51c2),
            ),
            (
                "f2xm1 1e-10",
                exp2_minus_1(
                    F80 {
                        se: 0x3fdd,
                        mant: 0xdbe6_fece_bded_d5bf,
                    },
                    RN,
                )
                .0
                .parts(),
                (0x3fdd, 0x986c_b7a1_2110_919d),
            ),
            (
                "atan 1/3",
                atan2(v(3.0), v(1.0), RN).0.parts(),
                (0x3ffd, 0xa4bc_7d19_34f7_0924),
            ),
            (
                "atan 7",
                atan2(v(1.0), v(7.0), RN).0.parts(),
                (0x3fff, 0xb6e6_2bdd_ab2f_e5ac),
            ),
            (
                "sin .1",
                sin(
                    F80 {
                        se: 0x3ffb,
                        mant: 0xcccc_cccc_cccc_cccd,
                    },
                    RN,
                )
                .0
                .parts(),
                (0x3ffb, 0xcc75_765c_5e59_5e98),
            ),
            (
                "cos 2.5",
                cos(v(2.5), RN).0.parts(),
                (0xbffe, 0xcd17_bf7c_2c5b_e959),
            ),
        ];
        let bad: Vec<String> = cases
            .iter()
            .filter(|(_, got, want)| got != want)
            .map(|(name, got, want)| {
                format!(
                    "{name}: got {:04x}:{:016x} want {:04x}:{:016x}",
                    got.0, got.1, want.0, want.1
                )
            })
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        assert_eq!(tan(v(0.5), RN).1, Some(F80::from_int(1)));
    }

    #[test]
    fn x87_transcendental_special_values() {
        assert_eq!(sin(v(-0.0), RN), (v(-0.0), None, 0));
        assert_eq!(cos(v(f64::INFINITY), RN), (F80::INDEFINITE, None, IE));
        assert_eq!(
            atan2(v(-0.0), v(0.0), RN).0,
            hex_f80(0x4000, 0xc90f_daa2_2168_c235)
        );
        assert_eq!(atan2(v(1.0), v(-0.0), RN), (v(-0.0), 0));
        assert_eq!(
            y_log2_x(v(0.0), v(3.0), false, RN),
            (v(f64::NEG_INFINITY), ZE)
        );
        assert_eq!(y_log2_x(v(-1.0), v(3.0), false, RN), (F80::INDEFINITE, IE));
        assert_eq!(y_log2_x(v(1.0), v(3.0), false, RN).0, v(0.0));
        assert_eq!(exp2_minus_1(v(f64::NEG_INFINITY), RN), (v(-1.0), 0));
        assert_eq!(exp2_minus_1(v(1.0), RN).0, v(1.0));
    }

    fn hex_f80(se: u16, mant: u64) -> F80 {
        F80 { se, mant }
    }
}

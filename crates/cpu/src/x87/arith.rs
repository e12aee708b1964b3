//! x87 arithmetic on [`F80`] values: the rounded basic operations, square
//! root, round-to-integer, scale, extract, partial remainders, comparisons and
//! the classification of `fxam`.
//!
//! Every function is pure: it returns the result and the exceptions it
//! raised, and the caller decides (by the masks) whether to write it.
//! NaN operands follow the x87 rules (a QNaN beats an SNaN, otherwise the
//! larger significand wins; SNaNs are quieted and raise IE), unsupported
//! encodings and invalid operations give the negative "indefinite" QNaN.
//!
//! `+ - * / sqrt`, `frndint`, `fprem` and `fscale` are exact to the last bit
//! of the 64-bit significand in every rounding mode. Precision control
//! (rounding to 24 or 53 bits) is not applied: Linux starts programs with
//! extended precision and glibc never changes it. The transcendental
//! instructions live in `transcendental.rs`.

use std::cmp::Ordering;

use rustc_apfloat::{Float, Round, Status, StatusAnd};

use super::f80::{
    exc_of, rounded, rounded_up, Ap, Class, Exc, C0, C1, C2, C3, DE, F80, IE, OE, PE, UE, ZE,
};

/// The two-operand arithmetic instructions; `SubR`/`DivR` swap operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Add,
    Sub,
    SubR,
    Mul,
    Div,
    DivR,
}

fn denormal(vals: &[F80]) -> Exc {
    if vals.iter().any(|v| v.class() == Class::Denormal) {
        DE
    } else {
        0
    }
}

/// The result when an operand is a NaN or unsupported; `None` otherwise.
pub(super) fn nan_operands(a: F80, b: F80) -> Option<(F80, Exc)> {
    if a.class() == Class::Unsupported || b.class() == Class::Unsupported {
        return Some((F80::INDEFINITE, IE));
    }
    let exc = if a.is_snan() || b.is_snan() { IE } else { 0 };
    let pick = match (a.is_nan(), b.is_nan()) {
        (false, false) => return None,
        (true, false) => a,
        (false, true) => b,
        _ if a.is_snan() != b.is_snan() => {
            if a.is_snan() {
                b
            } else {
                a
            }
        }
        // Equal significands: the positive one (smaller sign/exponent field).
        _ => match a.mant.cmp(&b.mant).then(b.se.cmp(&a.se)) {
            Ordering::Less => b,
            _ => a,
        },
    };
    Some((pick.quieted(), exc))
}

/// An APFloat result as an x87 one: invalid operations give the indefinite.
fn finish(r: StatusAnd<Ap>, exc: Exc) -> (F80, Exc) {
    if r.status.contains(Status::INVALID_OP) {
        (F80::INDEFINITE, exc | IE)
    } else {
        (F80::from_ap(r.value), exc | exc_of(r.status))
    }
}

/// `a op b` rounded by `round` to `bits` of significand (`a` is the
/// destination operand).
pub(super) fn binary(op: Op, a: F80, b: F80, round: Round, bits: u32) -> (F80, Exc) {
    let (x, y) = match op {
        Op::SubR | Op::DivR => (b, a),
        _ => (a, b),
    };
    if let Some(r) = nan_operands(x, y) {
        return r;
    }
    let (p, q) = (x.to_ap(), y.to_ap());
    let compute = |rd| match op {
        Op::Add => p.add_r(q, rd),
        Op::Sub | Op::SubR => p.sub_r(q, rd),
        Op::Mul => p.mul_r(q, rd),
        Op::Div | Op::DivR => p.div_r(q, rd),
    };
    // The hardware reports a zero divide without the denormal operand.
    let de = if op_is_div(op) && y.class() == Class::Zero {
        0
    } else {
        denormal(&[x, y])
    };
    with_precision(compute, de, round, bits)
}

fn op_is_div(op: Op) -> bool {
    matches!(op, Op::Div | Op::DivR)
}

/// Rounds the result of `compute` by `round` to `bits` (the precision
/// control: 24, 53 or 64) while keeping the extended exponent range.
///
/// For fewer than 64 bits the value is computed rounding toward zero, made
/// "round to odd" (the sticky bit ORed into the last place), then rounded to
/// `bits`: with at least two spare bits that equals one direct rounding. As
/// on the hardware, a denormal is rounded at the same place of its
/// significand field, so it keeps fewer than `bits` significant bits.
fn with_precision(
    compute: impl Fn(Round) -> StatusAnd<Ap>,
    exc: Exc,
    round: Round,
    bits: u32,
) -> (F80, Exc) {
    if bits >= 64 {
        return at_64_bits(&compute, exc, round);
    }
    let (v, e) = finish(rounded(Round::TowardZero, &compute), exc);
    let inexact = e & PE != 0;
    match v.class() {
        Class::Normal | Class::Denormal => {}
        Class::Zero if inexact => {}
        // Exact zeros (whose sign depends on the mode), infinities, NaNs.
        _ => return at_64_bits(&compute, exc, round),
    }
    let field = v.mant | u64::from(inexact);
    let drop = 64 - bits;
    let low = field & ((1 << drop) - 1);
    let half = 1u64 << (drop - 1);
    let kept = field >> drop;
    let up = match round {
        Round::NearestTiesToEven | Round::NearestTiesToAway => {
            low > half || (low == half && kept & 1 == 1)
        }
        Round::TowardPositive => low != 0 && !v.sign(),
        Round::TowardNegative => low != 0 && v.sign(),
        Round::TowardZero => false,
    };
    let (mut kept, mut exp) = (kept + u64::from(up), v.exp());
    if kept >> bits != 0 {
        kept >>= 1;
        exp += 1;
    }
    let mant = kept << drop;
    let tiny = v.exp() == 0;
    if tiny && mant >> 63 != 0 {
        exp = 1; // a denormal rounded up to the smallest normal
    }
    let pe = if low != 0 { PE } else { 0 };
    let ue = if tiny && low != 0 { UE } else { 0 };
    let c1 = if up { C1 } else { 0 };
    if exp >= 0x7fff {
        return (
            F80 {
                mant: 1 << 63,
                se: 0x7fff,
            }
            .with_sign(v.sign()),
            e | OE | PE | c1,
        );
    }
    (F80 { mant, se: exp }.with_sign(v.sign()), e | pe | ue | c1)
}

/// The result of `compute` rounded by `round` at full precision, with C1.
fn at_64_bits(compute: &impl Fn(Round) -> StatusAnd<Ap>, exc: Exc, round: Round) -> (F80, Exc) {
    let (v, e) = finish(rounded(round, compute), exc);
    (
        v,
        e | rounded_up(v, e, round, || finish(compute(Round::TowardZero), 0).0),
    )
}

/// Ordering of `a` against `b`, `None` if unordered. Ordered compares
/// (`fcom`) raise IE on any NaN, unordered ones (`fucom`) only on SNaNs.
pub(super) fn compare(a: F80, b: F80, ordered: bool) -> (Option<Ordering>, Exc) {
    if let Some((_, exc)) = nan_operands(a, b) {
        let unsupported = a.class() == Class::Unsupported || b.class() == Class::Unsupported;
        return (None, if ordered || unsupported { IE } else { exc });
    }
    (a.to_ap().partial_cmp(&b.to_ap()), denormal(&[a, b]))
}

/// The condition codes C3 C2 C0 of a compare result (also the ZF PF CF
/// pattern of `fcomi`).
pub(super) fn compare_cc(o: Option<Ordering>) -> u16 {
    match o {
        Some(Ordering::Greater) => 0,
        Some(Ordering::Less) => C0,
        Some(Ordering::Equal) => C3,
        None => C3 | C2 | C0,
    }
}

/// √a to `bits` of significand. Exact: an integer square root of the
/// significand scaled to 66+ bits, with a sticky bit, rounded once.
pub(super) fn sqrt(a: F80, round: Round, bits: u32) -> (F80, Exc) {
    if let Some(r) = nan_operands(a, a) {
        return r;
    }
    match a.class() {
        Class::Zero => return (a, 0),
        _ if a.sign() => return (F80::INDEFINITE, IE),
        Class::Infinity => return (a, 0),
        _ => {}
    }
    let v = a.to_ap();
    let e = v.ilogb();
    // value = m × 2^t with m in [2^63, 2^65) and t even.
    let mut m = u128::from(F80::from_ap(v.scalbn(-e)).mant);
    let mut t = e - 63;
    if t & 1 != 0 {
        m <<= 1;
        t -= 1;
    }
    const K: u32 = 34; // root of m × 4^K has 66 or 67 bits: 2 spare for rounding
    let (root, exact) = isqrt_scaled(m, K);
    // Scaling is exact: a root is never denormal nor overflows.
    let compute =
        |rd| Ap::from_u128_r(root | u128::from(!exact), rd).map(|r| r.scalbn(t / 2 - K as i32));
    with_precision(compute, denormal(&[a]), round, bits)
}

/// The square root of an IEEE single (`double` false) or double for the
/// SSE unit, rounded by `round`: the root computed here rounded to 24 or 53
/// bits is the IEEE result, since a root is never denormal and never
/// overflows. Returns the result bits and the exception bits (the x87 and
/// MXCSR flags share their positions).
pub(crate) fn ieee_sqrt(bits: u64, double: bool, round: Round) -> (u64, Exc) {
    let (a, load) = if double {
        F80::from_f64(bits)
    } else {
        F80::from_f32(bits as u32)
    };
    let (r, exc) = sqrt(a, round, if double { 53 } else { 24 });
    let (out, store) = if double {
        r.to_f64(round)
    } else {
        let (v, e) = r.to_f32(round);
        (v.into(), e)
    };
    // A quieted SNaN is already reported by the load.
    (out, load | exc | (store & !super::f80::IE))
}

/// Integer square root of `m × 4^k` (bit pairs from the top, restoring) and
/// whether it is exact.
fn isqrt_scaled(m: u128, k: u32) -> (u128, bool) {
    let pairs = (128 - m.leading_zeros()).div_ceil(2) + k;
    let (mut rem, mut root) = (0u128, 0u128);
    for i in (0..pairs).rev() {
        let pair = if i >= k { m >> (2 * (i - k)) & 3 } else { 0 };
        rem = rem << 2 | pair;
        let trial = root << 2 | 1;
        root <<= 1;
        if rem >= trial {
            rem -= trial;
            root |= 1;
        }
    }
    (root, rem == 0)
}

/// `frndint`: round to an integer by the rounding control.
pub(super) fn round_int(a: F80, round: Round) -> (F80, Exc) {
    if let Some(r) = nan_operands(a, a) {
        return r;
    }
    at_64_bits(&|rd| a.to_ap().round_to_integral(rd), denormal(&[a]), round)
}

/// `fscale`: a × 2^trunc(b).
pub(super) fn scale(a: F80, b: F80, round: Round) -> (F80, Exc) {
    if let Some(r) = nan_operands(a, b) {
        return r;
    }
    let de = denormal(&[a, b]);
    match (a.class(), b.class()) {
        (Class::Zero, Class::Infinity) if !b.sign() => (F80::INDEFINITE, IE),
        (Class::Infinity, Class::Infinity) if b.sign() => (F80::INDEFINITE, IE),
        (Class::Zero | Class::Infinity, _) => (a, de),
        (_, Class::Infinity) if b.sign() => (F80::ZERO.with_sign(a.sign()), de),
        (_, Class::Infinity) => (
            F80 {
                mant: 1 << 63,
                se: 0x7fff,
            }
            .with_sign(a.sign()),
            de,
        ),
        _ => {
            // Beyond ±2^16 every finite value over- or underflows already.
            let n = match b.to_int(32, Round::TowardZero).0 {
                Some(n) => n.clamp(-70000, 70000) as i32,
                None => {
                    if b.sign() {
                        -70000
                    } else {
                        70000
                    }
                }
            };
            let r = F80::from_ap(a.to_ap().scalbn_r(n, round));
            let exc = match r.to_ap().scalbn(-n).bitwise_eq(a.to_ap()) {
                true => 0,
                false if n > 0 => OE | PE,
                false => UE | PE,
            };
            let toward_zero = || F80::from_ap(a.to_ap().scalbn_r(n, Round::TowardZero));
            (r, exc | de | rounded_up(r, exc, round, toward_zero))
        }
    }
}

/// `fxtract`: (exponent, significand) with the significand in [1, 2).
pub(super) fn xtract(a: F80) -> (F80, F80, Exc) {
    if let Some((r, exc)) = nan_operands(a, a) {
        return (r, r, exc);
    }
    match a.class() {
        Class::Zero => (
            F80 {
                mant: 1 << 63,
                se: 0xffff,
            },
            a,
            ZE,
        ),
        Class::Infinity => (a.with_sign(false), a, 0),
        _ => {
            let v = a.to_ap();
            let e = v.ilogb();
            (
                F80::from_int(e.into()),
                F80::from_ap(v.scalbn(-e)),
                denormal(&[a]),
            )
        }
    }
}

/// `fprem` (quotient truncated, `ieee` false) and `fprem1` (rounded to
/// nearest): the new ST(0), condition codes and exceptions. When the
/// exponents differ by 64 or more only a partial reduction is done and C2
/// is set, with the reduction size the hardware uses. A NaN result (NaN
/// operand or invalid operation) gives no condition codes (`None`): the
/// hardware then clears C2 and leaves the quotient bits as they were.
pub(super) fn prem(a: F80, b: F80, ieee: bool) -> (F80, Option<u16>, Exc) {
    if let Some((r, exc)) = nan_operands(a, b) {
        return (r, None, exc);
    }
    let de = denormal(&[a, b]);
    match (a.class(), b.class()) {
        (Class::Infinity, _) | (_, Class::Zero) => return (F80::INDEFINITE, None, IE),
        (Class::Zero, _) | (_, Class::Infinity) => return (a, Some(0), de),
        _ => {}
    }
    let (x, y) = (a.to_ap(), b.to_ap());
    let (ea, eb) = (x.ilogb(), y.ilogb());
    let ma = F80::from_ap(x.abs().scalbn(-ea)).mant;
    let mb = u128::from(F80::from_ap(y.abs().scalbn(-eb)).mant);
    let d = ea - eb;
    if d < -1 || (d == -1 && !ieee) {
        return (a, Some(0), de);
    }
    // Long division of the significands, one quotient bit per exponent step;
    // the remainder ends up at the scale of b (of b/2 when d = -1).
    let (steps, partial) = if d >= 64 {
        ((d & 31) | 32, true)
    } else {
        (d.max(0), false)
    };
    let (mut r, mut q) = (u128::from(ma), 0u64);
    // The exponent of one unit of `r` and the divisor at that scale.
    let (unit, divisor) = if d == -1 {
        (eb - 64, mb << 1)
    } else {
        (eb - 63 + d - steps, mb)
    };
    if d >= 0 {
        if r >= mb {
            r -= mb;
            q = 1;
        }
        for _ in 0..steps {
            r <<= 1;
            q <<= 1;
            if r >= mb {
                r -= mb;
                q |= 1;
            }
        }
    }
    let mut neg = a.sign();
    if ieee && !partial && (2 * r > divisor || (2 * r == divisor && q & 1 == 1)) {
        r = divisor - r;
        q += 1;
        neg = !neg;
    }
    let v = Ap::from_u128(r).value.scalbn(unit);
    let res = F80::from_ap(v).with_sign(neg);
    let cc = if partial {
        C2
    } else {
        let bit = |n: u32, c: u16| if q >> n & 1 != 0 { c } else { 0 };
        bit(2, C0) | bit(0, C1) | bit(1, C3)
    };
    // The remainder is exact: no underflow even when denormal.
    (res, Some(cc), de)
}

/// The `fxam` condition codes (C1 is the sign); `empty` for an empty ST(0).
pub(super) fn examine(a: F80, empty: bool) -> u16 {
    let sign = if a.sign() { C1 } else { 0 };
    sign | if empty {
        C3 | C0
    } else {
        match a.class() {
            Class::Unsupported => 0,
            Class::Nan => C0,
            Class::Normal => C2,
            Class::Infinity => C2 | C0,
            Class::Zero => C3,
            Class::Denormal => C3 | C2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RN: Round = Round::NearestTiesToEven;

    fn v(x: f64) -> F80 {
        F80::from_f64(x.to_bits()).0
    }

    #[test]
    fn x87_basic_ops_are_80_bit() {
        // 1/3 in extended precision: rounded up (C1).
        let (third, exc) = binary(Op::Div, v(1.0), v(3.0), RN, 64);
        assert_eq!(
            (third.mant, third.se, exc),
            (0xaaaa_aaaa_aaaa_aaab, 0x3ffd, PE | C1)
        );
        assert_eq!(binary(Op::DivR, v(3.0), v(1.0), RN, 64).0, third);
        assert_eq!(binary(Op::Sub, v(1.0), v(3.0), RN, 64).0, v(-2.0));
        assert_eq!(binary(Op::SubR, v(1.0), v(3.0), RN, 64).0, v(2.0));
        // 1 + 2^-64 is a tie: even under RN, up under RU.
        let tiny = F80 {
            mant: 1 << 63,
            se: 0x3fff - 64,
        };
        assert_eq!(binary(Op::Add, v(1.0), tiny, RN, 64).0, v(1.0));
        assert_eq!(
            binary(Op::Add, v(1.0), tiny, Round::TowardPositive, 64)
                .0
                .mant,
            (1 << 63) + 1
        );
        assert_eq!(
            binary(Op::Div, v(1.0), v(0.0), RN, 64),
            (v(f64::INFINITY), ZE)
        );
        assert_eq!(
            binary(Op::Div, v(0.0), v(0.0), RN, 64),
            (F80::INDEFINITE, IE)
        );
        assert_eq!(
            binary(Op::Mul, v(f64::INFINITY), v(0.0), RN, 64),
            (F80::INDEFINITE, IE)
        );
    }

    #[test]
    fn x87_nan_propagation() {
        let q = |m: u64, neg: bool| {
            F80 {
                mant: 0xc000_0000_0000_0000 | m,
                se: 0x7fff,
            }
            .with_sign(neg)
        };
        let s = F80 {
            mant: 0x8000_0000_0000_0001,
            se: 0x7fff,
        };
        assert_eq!(
            binary(Op::Add, q(5, false), q(7, true), RN, 64),
            (q(7, true), 0)
        );
        assert_eq!(binary(Op::Add, s, q(1, false), RN, 64), (q(1, false), IE));
        assert_eq!(binary(Op::Mul, s, v(2.0), RN, 64), (s.quieted(), IE));
        let unnormal = F80 {
            mant: 1,
            se: 0x3fff,
        };
        assert_eq!(
            binary(Op::Add, unnormal, v(1.0), RN, 64),
            (F80::INDEFINITE, IE)
        );
    }

    #[test]
    fn x87_sqrt_exact() {
        assert_eq!(sqrt(v(4.0), RN, 64), (v(2.0), 0));
        assert_eq!(
            sqrt(v(2.0), RN, 64).0,
            F80 {
                mant: 0xb504_f333_f9de_6484,
                se: 0x3fff
            }
        );
        assert_eq!(
            sqrt(v(2.0), Round::TowardZero, 64).0.mant,
            0xb504_f333_f9de_6484
        );
        assert_eq!(
            sqrt(v(2.0), Round::TowardPositive, 64).0.mant,
            0xb504_f333_f9de_6485
        );
        assert_eq!(
            sqrt(v(0.5), RN, 64).0,
            F80 {
                mant: 0xb504_f333_f9de_6484,
                se: 0x3ffe
            }
        );
        assert_eq!(sqrt(v(-0.0), RN, 64), (v(-0.0), 0));
        assert_eq!(sqrt(v(-1.0), RN, 64), (F80::INDEFINITE, IE));
        let (d, exc) = sqrt(v(4.9e-324), RN, 64);
        assert_eq!(
            (d, exc),
            (
                F80 {
                    mant: 1 << 63,
                    se: 0x3fff - 537
                },
                0
            )
        );
    }

    #[test]
    fn x87_compare_condition_codes() {
        assert_eq!(compare_cc(compare(v(1.0), v(2.0), true).0), C0);
        assert_eq!(compare_cc(compare(v(3.0), v(2.0), true).0), 0);
        assert_eq!(compare_cc(compare(v(0.0), v(-0.0), true).0), C3);
        let nan = F80::INDEFINITE;
        assert_eq!(compare(nan, v(1.0), true), (None, IE));
        assert_eq!(compare(nan, v(1.0), false), (None, 0));
        assert_eq!(compare_cc(None), C3 | C2 | C0);
    }

    #[test]
    fn x87_fxam_classes() {
        assert_eq!(examine(v(1.0), false), C2);
        assert_eq!(examine(v(-1.0), false), C2 | C1);
        assert_eq!(examine(v(0.0), false), C3);
        assert_eq!(examine(v(f64::INFINITY), false), C2 | C0);
        assert_eq!(examine(F80::INDEFINITE, false), C1 | C0);
        assert_eq!(examine(F80 { mant: 1, se: 0 }, false), C3 | C2);
        assert_eq!(examine(F80 { mant: 1, se: 1 }, false), 0);
        assert_eq!(examine(F80::ZERO, true), C3 | C0);
    }

    #[test]
    fn x87_prem_quotient_bits() {
        // 7 rem 2: quotient 3 (C1 = q0, C3 = q1, C0 = q2).
        assert_eq!(prem(v(7.0), v(2.0), false), (v(1.0), Some(C1 | C3), 0));
        // IEEE remainder rounds the quotient to nearest: 7 = 4×2 - 1.
        assert_eq!(prem(v(7.0), v(2.0), true), (v(-1.0), Some(C0), 0));
        assert_eq!(prem(v(-5.5), v(2.0), false).0, v(-1.5));
        assert_eq!(prem(v(1.0), v(3.0), true), (v(1.0), Some(0), 0));
        assert_eq!(prem(v(2.0), v(3.0), true), (v(-1.0), Some(C1), 0));
        assert_eq!(prem(v(1.0), v(0.0), false), (F80::INDEFINITE, None, IE));
        // A huge exponent difference takes several partial steps.
        let (mut x, y) = (v(1e300), v(3.0));
        let mut rounds = 0;
        loop {
            let (r, cc, _) = prem(x, y, false);
            x = r;
            rounds += 1;
            if cc.is_none_or(|cc| cc & C2 == 0) {
                break;
            }
        }
        assert!(rounds > 1);
        assert_eq!(x.to_f64(RN).0, (1e300f64 % 3.0).to_bits());
    }

    #[test]
    fn x87_round_scale_extract() {
        assert_eq!(round_int(v(2.5), RN), (v(2.0), PE));
        assert_eq!(round_int(v(2.5), Round::TowardPositive).0, v(3.0));
        assert_eq!(round_int(v(-2.5), Round::TowardNegative).0, v(-3.0));
        assert_eq!(scale(v(3.0), v(4.7), RN), (v(48.0), 0));
        assert_eq!(scale(v(3.0), v(-1.5), RN), (v(1.5), 0));
        assert_eq!(xtract(v(48.0)), (v(5.0), v(1.5), 0));
        assert_eq!(xtract(v(-0.0)).2, ZE);
    }
}

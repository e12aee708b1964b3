//! A packed value seen as lanes: a 128-bit XMM value or a 64-bit MMX one
//! (zero-extended) split into lanes of 8, 16, 32 or 64 bits, lane 0 lowest.

/// All ones in the low `bits` bits.
pub(super) fn ones(bits: u32) -> u64 {
    u64::MAX >> (64 - bits)
}

/// Lane `i` of `bits` bits.
pub(super) fn get(v: u128, bits: u32, i: u32) -> u64 {
    (v >> (bits * i)) as u64 & ones(bits)
}

/// `v` with lane `i` replaced by `x` (truncated to the lane).
pub(super) fn set(v: u128, bits: u32, i: u32, x: u64) -> u128 {
    let m = u128::from(ones(bits)) << (bits * i);
    (v & !m) | (u128::from(x) << (bits * i) & m)
}

/// A value of `n` lanes of `bits` bits made by `f(i)`; lanes above are zero.
pub(super) fn build(bits: u32, n: u32, mut f: impl FnMut(u32) -> u64) -> u128 {
    (0..n).fold(0, |v, i| set(v, bits, i, f(i)))
}

/// Lane value sign-extended.
pub(super) fn sx(v: u64, bits: u32) -> i64 {
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// `v` saturated to a signed lane of `bits` bits.
pub(super) fn sat_s(v: i64, bits: u32) -> u64 {
    let max = (1i64 << (bits - 1)) - 1;
    v.clamp(-max - 1, max) as u64 & ones(bits)
}

/// `v` saturated to an unsigned lane of `bits` bits.
pub(super) fn sat_u(v: i64, bits: u32) -> u64 {
    v.clamp(0, ones(bits) as i64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_get_set_build() {
        let v = build(16, 8, |i| 0x100 * u64::from(i) + 0xff);
        assert_eq!(get(v, 16, 3), 0x3ff);
        assert_eq!(get(v, 8, 7), 0x3);
        assert_eq!(get(set(v, 32, 1, 0x1_2345_6789), 32, 1), 0x2345_6789);
        assert_eq!(sx(0xff, 8), -1);
        assert_eq!(
            (sat_s(200, 8), sat_s(-200, 8), sat_u(-5, 8), sat_u(300, 8)),
            (0x7f, 0x80, 0, 0xff)
        );
    }
}

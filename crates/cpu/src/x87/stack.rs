//! The x87 register file: eight 80-bit registers used as a stack, the
//! control and status words, the tags, and the 28-byte environment / 108-byte
//! save images of `fnstenv`/`fnsave` (also what Linux puts in a signal frame).
//!
//! Exceptions are recorded as the hardware does with each one masked or not:
//! a flag in the status word, and for an unmasked one the summary bits ES and
//! B, the destination left alone (IE, ZE, DE), and a #MF reported by the next
//! waiting x87 instruction (see `exec.rs`).

use rustc_apfloat::Round;

use super::f80::{Class, Exc, C1, DE, F80, IE, ZE};
use crate::simd::Sse;

/// Stack fault (with IE): underflow when C1 = 0, overflow when C1 = 1.
pub(super) const SF: Exc = 0x40;
const ES: u16 = 0x80;
const BUSY: u16 = 0x8000;
const TOP_SHIFT: u16 = 11;
/// Status bits that are neither condition codes nor TOP.
const FLAGS: u16 = 0x7f | ES | BUSY;

/// Size of the 32-bit protected-mode environment image.
pub(super) const ENV_SIZE: usize = 28;
/// Size of the 32-bit protected-mode `fnsave` image.
pub(super) const SAVE_SIZE: usize = ENV_SIZE + 80;

/// The x87 unit: register stack, control/status/tag words.
///
/// The last-instruction and last-operand pointers are not tracked; the images
/// hold zeros there, as on CPUs that deprecate FCS/FDS and programs ignore.
#[derive(Clone, Debug)]
pub struct Fpu {
    /// Physical registers R0..R7; ST(i) is `regs[(top + i) % 8]`.
    regs: [F80; 8],
    /// Bit n set: physical register n is not empty.
    used: u8,
    top: u8,
    /// Control word: exception masks (bits 0-5), precision (8-9), rounding (10-11).
    cw: u16,
    /// Status word without its TOP field.
    sw: u16,
    /// The SSE registers and MXCSR, saved and restored with the rest.
    pub(crate) sse: Sse,
}

impl Default for Fpu {
    /// The state `fninit` leaves.
    fn default() -> Self {
        Fpu {
            regs: [F80::ZERO; 8],
            used: 0,
            top: 0,
            cw: 0x037f,
            sw: 0,
            sse: Sse::default(),
        }
    }
}

impl Fpu {
    /// `fninit`: like power-up, except that the registers keep their
    /// (now empty) contents, which `fxam` and `fnsave` still show.
    pub(super) fn init(&mut self) {
        *self = Fpu {
            regs: self.regs,
            sse: self.sse.clone(),
            ..Fpu::default()
        };
    }

    /// The contents of ST(i), empty or not.
    pub(super) fn raw(&self, i: usize) -> F80 {
        self.regs[self.phys(i)]
    }

    fn phys(&self, i: usize) -> usize {
        (usize::from(self.top) + i) & 7
    }

    /// The unmasked floating-point exceptions pending (x87 status bits 0-5
    /// not masked by the control word, else MXCSR flags not masked by its
    /// mask bits), and whether they are SIMD ones: what a #MF or #XM
    /// fault reports.
    pub fn unmasked_exceptions(&self) -> (u16, bool) {
        let x87 = self.sw & !self.cw & 0x3f;
        if x87 != 0 {
            return (x87, false);
        }
        let m = self.sse.mxcsr;
        ((m & !(m >> 7) & 0x3f) as u16, true)
    }

    pub fn control_word(&self) -> u16 {
        self.cw
    }

    pub fn status_word(&self) -> u16 {
        self.sw | u16::from(self.top) << TOP_SHIFT
    }

    /// The rounding control of the control word.
    pub(super) fn round(&self) -> Round {
        match self.cw >> 10 & 3 {
            0 => Round::NearestTiesToEven,
            1 => Round::TowardNegative,
            2 => Round::TowardPositive,
            _ => Round::TowardZero,
        }
    }

    /// Significand bits of the precision control (reserved 01 reads as 64).
    pub(super) fn precision(&self) -> u32 {
        match self.cw >> 8 & 3 {
            0 => 24,
            2 => 53,
            _ => 64,
        }
    }

    /// True if an unmasked exception waits to be reported (#MF).
    pub(crate) fn pending(&self) -> bool {
        self.sw & ES != 0
    }

    /// ST(i), or the indefinite and a stack underflow if it is empty (the
    /// masked response uses the indefinite as the result).
    pub(super) fn get(&self, i: usize) -> (F80, Exc) {
        let p = self.phys(i);
        if self.used & 1 << p != 0 {
            (self.regs[p], 0)
        } else {
            (F80::INDEFINITE, IE | SF)
        }
    }

    pub(super) fn is_empty(&self, i: usize) -> bool {
        self.used & 1 << self.phys(i) == 0
    }

    pub(super) fn set(&mut self, i: usize, v: F80) {
        let p = self.phys(i);
        self.regs[p] = v;
        self.used |= 1 << p;
    }

    pub(super) fn free(&mut self, i: usize) {
        self.used &= !(1 << self.phys(i));
    }

    pub(super) fn pop(&mut self) {
        self.free(0);
        self.rotate(1);
    }

    /// `fincstp` (+1) / `fdecstp` (-1): moves TOP without touching tags.
    pub(super) fn rotate(&mut self, by: i8) {
        self.top = (self.top as i8 + by) as u8 & 7;
    }

    /// True if `exc` includes an unmasked invalid-operation, zero-divide or
    /// denormal exception, which keep the destination unchanged.
    pub(super) fn blocks(&self, exc: Exc) -> bool {
        exc & !self.cw & (IE | ZE | DE) != 0
    }

    /// Records the exceptions of an instruction and C1 (set only if `exc`
    /// says "rounded up"; `push` sets it for a stack overflow) and tells whether its result may be written: not if
    /// an unmasked invalid-operation, zero-divide or denormal exception
    /// occurred.
    pub(super) fn commit(&mut self, exc: Exc) -> bool {
        self.sw &= !C1;
        self.sw |= exc;
        let unmasked = exc & !self.cw & 0x3f;
        if unmasked != 0 {
            self.sw |= ES | BUSY;
        }
        !self.blocks(exc)
    }

    /// Pushes `v` (already counted in `exc`); a full stack is an overflow
    /// whose masked response pushes the indefinite.
    pub(super) fn push(&mut self, v: F80, exc: Exc) {
        let overflow = !self.is_empty(7);
        let (v, exc) = if overflow {
            (F80::INDEFINITE, exc | IE | SF)
        } else {
            (v, exc)
        };
        if self.commit(exc) {
            self.rotate(-1);
            self.set(0, v);
        }
        if overflow {
            self.sw |= C1;
        }
    }

    /// Sets the condition codes covered by `mask` to `cc`.
    pub(super) fn set_cc(&mut self, mask: u16, cc: u16) {
        self.sw = (self.sw & !mask) | (cc & mask);
    }

    /// `fldcw`: bit 6 always reads as one; unmasking a raised exception makes
    /// it pending.
    pub(super) fn load_control(&mut self, cw: u16) {
        self.cw = (cw & 0x1f3f) | 0x40;
        if self.sw & !self.cw & 0x3f != 0 {
            self.sw |= ES | BUSY;
        } else {
            self.sw &= !(ES | BUSY);
        }
    }

    /// `fnclex`.
    pub(super) fn clear_exceptions(&mut self) {
        self.sw &= !FLAGS;
    }

    /// `fnstenv` then masks every exception, as the hardware does.
    pub(super) fn mask_all(&mut self) {
        self.cw |= 0x3f;
    }

    /// The full tag word: 00 valid, 01 zero, 10 special, 11 empty, by
    /// physical register.
    pub fn tag_word(&self) -> u16 {
        (0..8).fold(0, |tw, p| {
            let tag = if self.used & 1 << p == 0 {
                3
            } else {
                match self.regs[p].class() {
                    Class::Normal => 0,
                    Class::Zero => 1,
                    _ => 2,
                }
            };
            tw | tag << (2 * p)
        })
    }

    /// The 28-byte environment as `fnstenv` stores it in 32-bit mode. The
    /// reserved upper halves read as ones, as Linux also writes them.
    pub fn env_image(&self) -> [u8; ENV_SIZE] {
        let mut b = [0; ENV_SIZE];
        let words = [self.cw, self.status_word(), self.tag_word()];
        for (i, w) in words.into_iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&(0xffff_0000 | u32::from(w)).to_le_bytes());
        }
        b[24..].copy_from_slice(&0xffff_0000u32.to_le_bytes());
        b
    }

    /// Loads an environment image (`fldenv`).
    pub fn load_env(&mut self, b: &[u8; ENV_SIZE]) {
        let word = |i: usize| u16::from_le_bytes([b[4 * i], b[4 * i + 1]]);
        let (sw, tw) = (word(1), word(2));
        self.top = (sw >> TOP_SHIFT & 7) as u8;
        self.sw = sw & !(7 << TOP_SHIFT);
        self.used = (0..8)
            .filter(|p| tw >> (2 * p) & 3 != 3)
            .fold(0, |u, p| u | 1 << p);
        self.load_control(word(0));
    }

    /// The 108-byte image of `fnsave`: the environment, then ST(0)..ST(7).
    pub fn save_image(&self) -> [u8; SAVE_SIZE] {
        let mut b = [0; SAVE_SIZE];
        b[..ENV_SIZE].copy_from_slice(&self.env_image());
        for i in 0..8 {
            let at = ENV_SIZE + 10 * i;
            b[at..at + 10].copy_from_slice(&self.regs[self.phys(i)].to_bytes());
        }
        b
    }

    /// Loads a `fnsave` image (`frstor`, `sigreturn`).
    pub fn load_image(&mut self, b: &[u8; SAVE_SIZE]) {
        let mut env = [0; ENV_SIZE];
        env.copy_from_slice(&b[..ENV_SIZE]);
        self.load_env(&env);
        for i in 0..8 {
            let at = ENV_SIZE + 10 * i;
            let mut r = [0; 10];
            r.copy_from_slice(&b[at..at + 10]);
            let p = self.phys(i);
            self.regs[p] = F80::from_bytes(r);
        }
    }
}

/// Size of the `fxsave` image.
pub const FXSAVE_SIZE: usize = 512;
/// End of the part of the `fxsave` image a 32-bit CPU writes (the x87 and
/// SSE state); the rest is left alone.
const FXSAVE_USED: usize = 288;

impl Fpu {
    /// MMX register `i`: the significand of physical register R`i`.
    pub(crate) fn mmx(&self, i: usize) -> u64 {
        self.regs[i & 7].mant
    }

    /// Writes MMX register `i`; the hardware sets the exponent and sign
    /// bits of the register to ones (a NaN to the x87).
    pub(crate) fn set_mmx(&mut self, i: usize, v: u64) {
        self.regs[i & 7] = F80 {
            mant: v,
            se: 0xffff,
        };
    }

    /// What every MMX instruction but `emms` does to the x87 state: TOP
    /// becomes 0 and every register valid.
    pub(crate) fn enter_mmx(&mut self) {
        self.top = 0;
        self.used = 0xff;
    }

    /// `emms`: every register empty.
    pub(crate) fn emms(&mut self) {
        self.used = 0;
    }

    /// The image `fxsave` writes: control, status and abridged tag word (one
    /// bit per physical register, set if not empty), MXCSR and its mask,
    /// ST(0)..ST(7) in 16-byte slots, XMM0..XMM7. The instruction and operand
    /// pointers are not tracked and read as zero.
    pub fn fxsave_image(&self) -> [u8; FXSAVE_SIZE] {
        let mut b = [0; FXSAVE_SIZE];
        b[0..2].copy_from_slice(&self.cw.to_le_bytes());
        b[2..4].copy_from_slice(&self.status_word().to_le_bytes());
        b[4] = self.used;
        b[24..28].copy_from_slice(&self.sse.mxcsr.to_le_bytes());
        b[28..32].copy_from_slice(&crate::simd::MXCSR_MASK.to_le_bytes());
        for i in 0..8 {
            let at = 32 + 16 * i;
            b[at..at + 10].copy_from_slice(&self.raw(i).to_bytes());
            let at = 160 + 16 * i;
            b[at..at + 16].copy_from_slice(&self.sse.xmm[i].to_le_bytes());
        }
        b
    }

    /// Loads an `fxsave` image (`fxrstor`); `false` if its MXCSR sets
    /// reserved bits (#GP), leaving everything unchanged.
    pub fn load_fxsave_image(&mut self, b: &[u8; FXSAVE_SIZE]) -> bool {
        let word = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
        let mxcsr = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
        if mxcsr & !crate::simd::MXCSR_MASK != 0 {
            return false;
        }
        self.sse.mxcsr = mxcsr;
        let sw = word(2);
        self.top = (sw >> TOP_SHIFT & 7) as u8;
        self.sw = sw & !(7 << TOP_SHIFT);
        self.used = b[4];
        self.load_control(word(0));
        for i in 0..8 {
            let at = 32 + 16 * i;
            let mut r = [0; 10];
            r.copy_from_slice(&b[at..at + 10]);
            let p = self.phys(i);
            self.regs[p] = F80::from_bytes(r);
            let at = 160 + 16 * i;
            let mut x = [0; 16];
            x.copy_from_slice(&b[at..at + 16]);
            self.sse.xmm[i] = u128::from_le_bytes(x);
        }
        true
    }

    /// The written part of an `fxsave` image.
    pub(crate) fn fxsave_used(image: &[u8; FXSAVE_SIZE]) -> &[u8] {
        &image[..FXSAVE_USED]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x87_default_is_fninit_state() {
        let f = Fpu::default();
        assert_eq!(
            (f.control_word(), f.status_word(), f.tag_word()),
            (0x037f, 0, 0xffff)
        );
    }

    #[test]
    fn x87_stack_underflow_and_overflow() {
        let mut f = Fpu::default();
        // Reading an empty register: masked underflow, indefinite, C1 = 0.
        let (v, exc) = f.get(0);
        assert_eq!((v, exc), (F80::INDEFINITE, IE | SF));
        assert!(f.commit(exc));
        assert_eq!(f.status_word() & (0x7f | C1), IE | SF);
        let mut f = Fpu::default();
        for _ in 0..8 {
            f.push(F80::ONE, 0);
        }
        assert_eq!(f.status_word(), 0);
        f.push(F80::ZERO, 0);
        assert_eq!(f.status_word(), 7 << 11 | C1 | IE | SF);
        assert_eq!(f.get(0), (F80::INDEFINITE, 0));
        assert_eq!(f.get(1), (F80::ONE, 0));
        // Unmasked: nothing is pushed and the exception becomes pending.
        let mut f = Fpu::default();
        f.load_control(0x037e);
        (0..8).for_each(|_| f.push(F80::ONE, 0));
        f.push(F80::ZERO, 0);
        assert!(f.pending());
        assert_eq!(f.get(0), (F80::ONE, 0));
    }

    #[test]
    fn fxsave_image_round_trip() {
        let mut f = Fpu::default();
        f.push(F80::ONE, 0);
        f.sse.xmm[5] = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        f.sse.mxcsr = 0x9fe1;
        let img = f.fxsave_image();
        assert_eq!(img[4], 0x80, "abridged tags: R7 in use");
        let mut g = Fpu::default();
        assert!(g.load_fxsave_image(&img));
        assert_eq!(g.fxsave_image(), img);
        assert_eq!(g.get(0), (F80::ONE, 0));
        // A reserved MXCSR bit is refused and nothing changes.
        let mut bad = img;
        bad[26] = 1;
        let mut h = Fpu::default();
        assert!(!h.load_fxsave_image(&bad));
        assert_eq!(h.fxsave_image(), Fpu::default().fxsave_image());
    }

    #[test]
    fn x87_save_image_round_trip() {
        let mut f = Fpu::default();
        f.push(F80::ONE, 0);
        f.push(F80::ZERO, 0);
        f.load_control(0x0c7f);
        let img = f.save_image();
        assert_eq!(
            &img[..12],
            &[0x7f, 0x0c, 0xff, 0xff, 0, 0x30, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff]
        );
        let mut g = Fpu::default();
        g.load_image(&img);
        assert_eq!(g.save_image(), img);
        assert_eq!(g.get(1), (F80::ONE, 0));
    }
}

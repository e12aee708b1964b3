//! The SSE register file: eight 128-bit XMM registers and MXCSR.
//!
//! It lives inside [`Fpu`](crate::Fpu), the state `fxsave` saves, so that
//! whatever keeps the x87 state (a signal frame, a thread switch) keeps
//! these registers too.

/// MXCSR exception flags: invalid, denormal, zero divide, overflow,
/// underflow, precision.
pub(crate) const IE: u32 = 0x01;
pub(crate) const DE: u32 = 0x02;
pub(crate) const ZE: u32 = 0x04;
pub(crate) const OE: u32 = 0x08;
pub(crate) const UE: u32 = 0x10;
pub(crate) const PE: u32 = 0x20;
/// Denormal operands are zero.
pub(crate) const DAZ: u32 = 0x40;
/// Exception masks: the flags shifted left by this.
pub(crate) const MASK_SHIFT: u32 = 7;
pub(crate) const RC_SHIFT: u32 = 13;
/// Tiny results are flushed to zero.
pub(crate) const FTZ: u32 = 0x8000;
/// The MXCSR bits that exist (DAZ included); setting others is #GP.
pub const MXCSR_MASK: u32 = 0xffff;
/// Power-up value: every exception masked, round to nearest.
const MXCSR_DEFAULT: u32 = 0x1f80;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sse {
    pub xmm: [u128; 8],
    pub mxcsr: u32,
}

impl Default for Sse {
    fn default() -> Self {
        Sse {
            xmm: [0; 8],
            mxcsr: MXCSR_DEFAULT,
        }
    }
}

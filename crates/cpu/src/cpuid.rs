//! CPUID: what this CPU says it is. It must advertise exactly what the
//! interpreter implements — programs pick code paths from these bits.

use crate::state::Cpu;

/// Highest basic leaf.
const MAX_LEAF: u32 = 1;
/// Highest extended leaf: only the leaf that reports it.
const MAX_EXT_LEAF: u32 = 0x8000_0000;
/// Family 6, model 13, stepping 8 (a Pentium M class part: i686; programs
/// take the SIMD extensions from the feature bits below, not the model).
const SIGNATURE: u32 = 0x0000_06d8;
/// Leaf 1 EDX: FPU (0), TSC (4), CX8 (8), CMOV (15), CLFSH (19), MMX (23),
/// FXSR (24), SSE (25), SSE2 (26). Linux passes the same bits to programs
/// as `AT_HWCAP`.
pub const FEATURES_EDX: u32 =
    1 << 0 | 1 << 4 | 1 << 8 | 1 << 15 | 1 << 19 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
/// Leaf 1 ECX: SSE3 (0), SSSE3 (9).
pub const FEATURES_ECX: u32 = 1 << 0 | 1 << 9;
/// Leaf 1 EBX: `clflush` line size in 8-byte units (bits 8-15): 64 bytes.
const LEAF1_EBX: u32 = 8 << 8;

fn word(s: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*s)
}

impl Cpu {
    /// Executes `cpuid` for the leaf in `eax`.
    pub(crate) fn cpuid(&mut self) {
        let [eax, ebx, ecx, edx] = match self.regs[0] {
            0 => [MAX_LEAF, word(b"Genu"), word(b"ntel"), word(b"ineI")],
            1 => [SIGNATURE, LEAF1_EBX, FEATURES_ECX, FEATURES_EDX],
            0x8000_0000 => [MAX_EXT_LEAF, 0, 0, 0],
            _ => [0; 4],
        };
        self.regs[0] = eax;
        self.regs[3] = ebx;
        self.regs[1] = ecx;
        self.regs[2] = edx;
    }
}

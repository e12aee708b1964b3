//! The contract between generated modules and the engine that calls them.
//!
//! A module imports one memory, `env.memory`: the frame arena of
//! `tabvm-mem` (guest frames and TLB tables). It exports one function,
//! `run(ctx: i32) -> i32`, where `ctx` is the arena offset of a [`Context`]
//! the caller filled in; the function runs guest code, writes the state back
//! and returns an [`exit`] code. Every field is a little-endian `u32` at the
//! offset its `Context` field has (`repr(C)`, checked by a test).

/// Guest state and run parameters shared with a module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Context {
    /// eax ecx edx ebx esp ebp esi edi.
    pub regs: [u32; 8],
    pub eip: u32,
    /// EFLAGS; the status bits covered by the pending flag operation are
    /// stale, exactly as in the interpreter's lazy flags.
    pub flags: u32,
    /// The pending flag operation ([`flag_op`]), its width's sign bit, its
    /// operands and result.
    pub lazy_op: u32,
    pub lazy_sign: u32,
    pub lazy_a: u32,
    pub lazy_b: u32,
    pub lazy_res: u32,
    /// Segment bases by segment number (es cs ss ds fs gs).
    pub seg_base: [u32; 6],
    /// Arena offsets of the read and write TLB tables of the address space.
    pub rtlb: u32,
    pub wtlb: u32,
    /// In: how many instructions may retire. Out: how many did.
    pub budget: u32,
    pub retired: u32,
}

impl Context {
    /// The fields in memory order.
    fn words(&self) -> [u32; 25] {
        let mut w = [0; 25];
        w[..8].copy_from_slice(&self.regs);
        w[8..15].copy_from_slice(&[
            self.eip,
            self.flags,
            self.lazy_op,
            self.lazy_sign,
            self.lazy_a,
            self.lazy_b,
            self.lazy_res,
        ]);
        w[15..21].copy_from_slice(&self.seg_base);
        w[21..].copy_from_slice(&[self.rtlb, self.wtlb, self.budget, self.retired]);
        w
    }

    /// Writes the context as a module reads it (at the start of `out`).
    pub fn store(&self, out: &mut [u8]) {
        for (i, w) in self.words().iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
    }

    /// Reads a context a module wrote (at the start of `bytes`).
    pub fn load(bytes: &[u8]) -> Context {
        // One length check, then constant indices.
        let bytes: &[u8; ctx::SIZE as usize] = bytes[..ctx::SIZE as usize]
            .try_into()
            .expect("a whole context");
        let w = |i: usize| u32::from_le_bytes(std::array::from_fn(|k| bytes[i * 4 + k]));
        let mut c = Context {
            eip: w(8),
            flags: w(9),
            lazy_op: w(10),
            lazy_sign: w(11),
            lazy_a: w(12),
            lazy_b: w(13),
            lazy_res: w(14),
            rtlb: w(21),
            wtlb: w(22),
            budget: w(23),
            retired: w(24),
            ..Context::default()
        };
        c.regs = std::array::from_fn(w);
        c.seg_base = std::array::from_fn(|i| w(15 + i));
        c
    }
}

/// Byte offsets of the [`Context`] fields.
pub mod ctx {
    pub const REGS: u64 = 0;
    pub const EIP: u64 = 32;
    pub const FLAGS: u64 = 36;
    pub const LAZY_OP: u64 = 40;
    pub const LAZY_SIGN: u64 = 44;
    pub const LAZY_A: u64 = 48;
    pub const LAZY_B: u64 = 52;
    pub const LAZY_RES: u64 = 56;
    pub const SEG_BASE: u64 = 60;
    pub const RTLB: u64 = 84;
    pub const WTLB: u64 = 88;
    pub const BUDGET: u64 = 92;
    pub const RETIRED: u64 = 96;
    pub const SIZE: u64 = 100;
}

/// Codes of the pending flag operation; the interpreter's `FlagOp` has the
/// same values, so state passes between the two unchanged.
pub mod flag_op {
    pub const NONE: u32 = 0;
    pub const ADD: u32 = 1;
    pub const ADC: u32 = 2;
    pub const SUB: u32 = 3;
    pub const SBB: u32 = 4;
    pub const INC: u32 = 5;
    pub const DEC: u32 = 6;
    pub const LOGIC: u32 = 7;
    pub const RESULT: u32 = 8;
}

/// What `run` returns. In every case the context holds the precise state at
/// an instruction boundary, with `eip` on the next instruction to execute.
pub mod exit {
    /// Control left the translated code (a branch elsewhere, or the budget
    /// does not allow another pass round a loop).
    pub const LEFT: u32 = 0;
    /// The instruction at `eip` needs the full memory path (a TLB miss, a
    /// page-crossing access): the caller runs it in the interpreter.
    pub const SLOW_PATH: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn field_offsets_match_the_layout_modules_use() {
        let fields = [
            (offset_of!(Context, regs), ctx::REGS),
            (offset_of!(Context, eip), ctx::EIP),
            (offset_of!(Context, flags), ctx::FLAGS),
            (offset_of!(Context, lazy_op), ctx::LAZY_OP),
            (offset_of!(Context, lazy_sign), ctx::LAZY_SIGN),
            (offset_of!(Context, lazy_a), ctx::LAZY_A),
            (offset_of!(Context, lazy_b), ctx::LAZY_B),
            (offset_of!(Context, lazy_res), ctx::LAZY_RES),
            (offset_of!(Context, seg_base), ctx::SEG_BASE),
            (offset_of!(Context, rtlb), ctx::RTLB),
            (offset_of!(Context, wtlb), ctx::WTLB),
            (offset_of!(Context, budget), ctx::BUDGET),
            (offset_of!(Context, retired), ctx::RETIRED),
            (size_of::<Context>(), ctx::SIZE),
        ];
        for (actual, declared) in fields {
            assert_eq!(actual as u64, declared);
        }
    }

    #[test]
    fn store_and_load_round_trip_at_the_declared_offsets() {
        let c = Context {
            regs: [1, 2, 3, 4, 5, 6, 7, 8],
            eip: 9,
            flags: 10,
            lazy_op: 11,
            lazy_sign: 12,
            lazy_a: 13,
            lazy_b: 14,
            lazy_res: 15,
            seg_base: [16, 17, 18, 19, 20, 21],
            rtlb: 22,
            wtlb: 23,
            budget: 24,
            retired: 25,
        };
        let mut bytes = [0u8; ctx::SIZE as usize];
        c.store(&mut bytes);
        assert_eq!(bytes[ctx::WTLB as usize], 23);
        assert_eq!(bytes[ctx::SEG_BASE as usize + 4], 17);
        assert_eq!(Context::load(&bytes), c);
    }
}

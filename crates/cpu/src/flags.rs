//! Lazy arithmetic flags.
//!
//! Most instructions set CF PF AF ZF SF OF, and most of those values are never
//! read. Instead of computing them, an instruction records its operands, its
//! result and a [`FlagOp`] saying how to derive the flags; the flags are only
//! computed when something asks (a `jcc`, `pushf`, the kernel).
//!
//! `Cpu::flags` holds every EFLAGS bit; its arithmetic bits are valid except
//! those the pending `FlagOp` covers:
//!
//! | op              | derived lazily            | taken from `flags` |
//! |-----------------|---------------------------|--------------------|
//! | `None`          | —                         | all                |
//! | `Add` `Adc` `Sub` `Sbb` | CF PF AF ZF SF OF  | —                  |
//! | `Inc`, `Dec`    | PF AF ZF SF OF            | CF                 |
//! | `Logic`         | all (CF=OF=AF=0)          | —                  |
//! | `Result`        | PF ZF SF                  | CF AF OF           |
//!
//! Carry and borrow are computed from the operands and the result with the
//! carry-out formulas, which also hold when a carry came in, so `Adc`/`Sbb`
//! differ from `Add`/`Sub` only in that `res` is not simply `a ± b`: after
//! a `Sub` a condition can be answered by comparing `a` and `b` directly.

use iced_x86::ConditionCode;
use tabvm_jit::abi::flag_op as code;

use crate::operand::Size;
use crate::state::Cpu;

pub(crate) const CF: u32 = 1 << 0;
pub(crate) const PF: u32 = 1 << 2;
pub(crate) const AF: u32 = 1 << 4;
pub(crate) const ZF: u32 = 1 << 6;
pub(crate) const SF: u32 = 1 << 7;
pub(crate) const DF: u32 = 1 << 10;
pub(crate) const OF: u32 = 1 << 11;
/// The six status flags arithmetic instructions write.
pub(crate) const ARITH: u32 = CF | PF | AF | ZF | SF | OF;

/// How to derive the pending status flags (see the module table). The
/// values are those translated code keeps (`tabvm_jit::abi::flag_op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum FlagOp {
    None = code::NONE,
    Add = code::ADD,
    Adc = code::ADC,
    Sub = code::SUB,
    Sbb = code::SBB,
    Inc = code::INC,
    Dec = code::DEC,
    Logic = code::LOGIC,
    Result = code::RESULT,
}

impl FlagOp {
    /// The operation with code `c`, as translated code left it.
    pub(crate) fn from_code(c: u32) -> FlagOp {
        match c {
            code::ADD => FlagOp::Add,
            code::ADC => FlagOp::Adc,
            code::SUB => FlagOp::Sub,
            code::SBB => FlagOp::Sbb,
            code::INC => FlagOp::Inc,
            code::DEC => FlagOp::Dec,
            code::LOGIC => FlagOp::Logic,
            code::RESULT => FlagOp::Result,
            _ => FlagOp::None,
        }
    }
}

/// The operands and result of the last flag-setting instruction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lazy {
    pub op: FlagOp,
    /// Sign bit of the operation's width (0x80, 0x8000 or 0x8000_0000).
    pub sign: u32,
    pub a: u32,
    pub b: u32,
    pub res: u32,
}

impl Default for Lazy {
    fn default() -> Self {
        Lazy {
            op: FlagOp::None,
            sign: Size::D.sign(),
            a: 0,
            b: 0,
            res: 0,
        }
    }
}

/// PF: even number of set bits in the low byte.
#[inline(always)]
pub(crate) fn parity(v: u32) -> bool {
    (v as u8).count_ones().is_multiple_of(2)
}

impl Cpu {
    /// Records a flag-setting result. For `Inc`/`Dec` the caller must have
    /// fixed CF in `flags` first ([`Cpu::keep_cf`]); for `Result` CF AF OF.
    #[inline(always)]
    pub(crate) fn set_lazy(&mut self, op: FlagOp, size: Size, a: u32, b: u32, res: u32) {
        let l = &mut self.lazy;
        l.op = op;
        l.sign = size.sign();
        l.res = res & size.mask();
        // `Logic` and `Result` flags derive from the result alone, so their
        // operands need not be stored (`op` is a constant where it matters).
        if !matches!(op, FlagOp::Logic | FlagOp::Result) {
            l.a = a;
            l.b = b;
        }
    }

    /// Copies the current CF into `flags` so an `Inc`/`Dec` can keep it.
    #[inline(always)]
    pub(crate) fn keep_cf(&mut self) {
        let cf = self.cf();
        self.flags = (self.flags & !CF) | cf as u32;
    }

    /// Sets CF, OF and AF eagerly and ZF SF PF from `res` lazily (shifts,
    /// multiplies, bit scans of the result).
    #[inline(always)]
    pub(crate) fn set_result_flags(&mut self, size: Size, res: u32, cf: bool, of: bool) {
        self.flags = (self.flags & !(CF | OF | AF)) | cf as u32 | (of as u32) << 11;
        self.set_lazy(FlagOp::Result, size, 0, 0, res);
    }

    #[inline(always)]
    pub(crate) fn cf(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::Add | FlagOp::Adc => ((l.a & l.b) | ((l.a | l.b) & !l.res)) & l.sign != 0,
            FlagOp::Sub | FlagOp::Sbb => ((!l.a & l.b) | ((!l.a | l.b) & l.res)) & l.sign != 0,
            FlagOp::Logic => false,
            _ => self.flags & CF != 0,
        }
    }

    #[inline(always)]
    pub(crate) fn zf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.flags & ZF != 0,
            _ => self.lazy.res == 0,
        }
    }

    #[inline(always)]
    pub(crate) fn sf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.flags & SF != 0,
            _ => self.lazy.res & self.lazy.sign != 0,
        }
    }

    #[inline(always)]
    pub(crate) fn of(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::Add | FlagOp::Adc | FlagOp::Inc => {
                ((l.a ^ l.res) & (l.b ^ l.res)) & l.sign != 0
            }
            FlagOp::Sub | FlagOp::Sbb | FlagOp::Dec => ((l.a ^ l.b) & (l.a ^ l.res)) & l.sign != 0,
            FlagOp::Logic => false,
            _ => self.flags & OF != 0,
        }
    }

    fn pf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.flags & PF != 0,
            _ => parity(self.lazy.res),
        }
    }

    fn af(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::Add | FlagOp::Adc | FlagOp::Sub | FlagOp::Sbb | FlagOp::Inc | FlagOp::Dec => {
                (l.a ^ l.b ^ l.res) & AF != 0
            }
            FlagOp::Logic => false,
            _ => self.flags & AF != 0,
        }
    }

    /// EFLAGS as `pushf` would see it.
    pub fn eflags(&self) -> u32 {
        if self.lazy.op == FlagOp::None {
            return self.flags;
        }
        (self.flags & !ARITH)
            | self.cf() as u32
            | (self.pf() as u32) << 2
            | (self.af() as u32) << 4
            | (self.zf() as u32) << 6
            | (self.sf() as u32) << 7
            | (self.of() as u32) << 11
    }

    /// Loads EFLAGS as `popf` in user mode would (IOPL, IF and VM stay).
    pub fn set_eflags(&mut self, v: u32) {
        // CF PF AF ZF SF TF DF OF NT AC ID; ID toggles so CPUID is detectable.
        const USER_MASK: u32 = 0x0025_4dd5;
        self.flags = (self.flags & !USER_MASK) | (v & USER_MASK) | 2;
        self.lazy.op = FlagOp::None;
    }

    /// Replaces only the status flags in `mask` (lahf/sahf, BCD adjusts).
    pub(crate) fn set_status(&mut self, mask: u32, v: u32) {
        let cur = self.eflags();
        self.flags = (cur & !mask) | (v & mask);
        self.lazy.op = FlagOp::None;
    }

    #[inline(always)]
    pub(crate) fn df(&self) -> bool {
        self.flags & DF != 0
    }

    /// Evaluates a `jcc`/`setcc`/`cmovcc` condition. A pending compare or
    /// test is answered from its operands or result directly, the common case.
    #[inline(always)]
    pub(crate) fn cond(&self, cc: ConditionCode) -> bool {
        use ConditionCode as C;
        let l = &self.lazy;
        match l.op {
            FlagOp::Sub => {
                let mask = (l.sign << 1).wrapping_sub(1);
                let (a, b) = (l.a & mask, l.b & mask);
                // Flipping the sign bit maps signed order onto unsigned order.
                let (sa, sb) = (a ^ l.sign, b ^ l.sign);
                match cc {
                    C::e => a == b,
                    C::ne => a != b,
                    C::b => a < b,
                    C::ae => a >= b,
                    C::be => a <= b,
                    C::a => a > b,
                    C::l => sa < sb,
                    C::ge => sa >= sb,
                    C::le => sa <= sb,
                    C::g => sa > sb,
                    _ => self.cond_slow(cc),
                }
            }
            // CF = OF = 0: signed conditions reduce to the sign of the result.
            FlagOp::Logic => {
                let neg = l.res & l.sign != 0;
                match cc {
                    C::e | C::be => l.res == 0,
                    C::ne | C::a => l.res != 0,
                    C::s | C::l => neg,
                    C::ns | C::ge => !neg,
                    C::le => l.res == 0 || neg,
                    C::g => l.res != 0 && !neg,
                    _ => self.cond_slow(cc),
                }
            }
            _ => self.cond_slow(cc),
        }
    }

    fn cond_slow(&self, cc: ConditionCode) -> bool {
        use ConditionCode as C;
        match cc {
            C::o => self.of(),
            C::no => !self.of(),
            C::b => self.cf(),
            C::ae => !self.cf(),
            C::e => self.zf(),
            C::ne => !self.zf(),
            C::be => self.cf() || self.zf(),
            C::a => !self.cf() && !self.zf(),
            C::s => self.sf(),
            C::ns => !self.sf(),
            C::p => self.pf(),
            C::np => !self.pf(),
            C::l => self.sf() != self.of(),
            C::ge => self.sf() == self.of(),
            C::le => self.zf() || self.sf() != self.of(),
            C::g => !self.zf() && self.sf() == self.of(),
            C::None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags of `a + b + c` or `a - b - c` computed the long way.
    fn reference(size: Size, a: u32, b: u32, c: u32, sub: bool) -> u32 {
        let (m, bits) = (size.mask(), size.bits());
        let (a, b) = (a & m, b & m);
        let (sa, sb) = (
            i64::from(size.sext(a) as i32),
            i64::from(size.sext(b) as i32),
        );
        let (wide, signed, low) = if sub {
            (
                i64::from(a) - i64::from(b) - i64::from(c),
                sa - sb - i64::from(c),
                (a & 15) < (b & 15) + c,
            )
        } else {
            (
                i64::from(a) + i64::from(b) + i64::from(c),
                sa + sb + i64::from(c),
                (a & 15) + (b & 15) + c > 15,
            )
        };
        let res = wide as u32 & m;
        let mut f = 0;
        f |= if wide < 0 || wide > i64::from(m) {
            CF
        } else {
            0
        };
        f |= if parity(res) { PF } else { 0 };
        f |= if low { AF } else { 0 };
        f |= if res == 0 { ZF } else { 0 };
        f |= if res >> (bits - 1) & 1 != 0 { SF } else { 0 };
        let (min, max) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
        f |= if signed < min || signed > max { OF } else { 0 };
        f
    }

    #[test]
    fn lazy_add_sub_match_the_long_way() {
        let mut seed = 0x9e37_79b9u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            // Mix in edge values: 0, all ones, sign boundaries.
            match seed % 8 {
                0 => 0,
                1 => u32::MAX,
                2 => 0x7fff_ffff ^ (seed & 0x8080),
                _ => seed,
            }
        };
        let mut cpu = Cpu::new();
        for _ in 0..20_000 {
            let (a, b, c) = (next(), next(), next() & 1);
            for size in [Size::B, Size::W, Size::D] {
                let m = size.mask();
                for (sub, op) in [(false, FlagOp::Adc), (true, FlagOp::Sbb)] {
                    let res = if sub {
                        a.wrapping_sub(b).wrapping_sub(c)
                    } else {
                        a.wrapping_add(b).wrapping_add(c)
                    };
                    cpu.set_lazy(op, size, a & m, b & m, res);
                    assert_eq!(
                        cpu.eflags() & ARITH,
                        reference(size, a, b, c, sub),
                        "{op:?} {size:?} {a:#x} {b:#x} {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn fast_conditions_agree_with_flags() {
        use ConditionCode as C;
        let all = [
            C::o,
            C::no,
            C::b,
            C::ae,
            C::e,
            C::ne,
            C::be,
            C::a,
            C::s,
            C::ns,
            C::p,
            C::np,
            C::l,
            C::ge,
            C::le,
            C::g,
        ];
        let values = [
            0u32,
            1,
            2,
            0x7f,
            0x80,
            0xff,
            0x7fff,
            0x8000,
            0x7fff_ffff,
            0x8000_0000,
            u32::MAX,
        ];
        let mut cpu = Cpu::new();
        for size in [Size::B, Size::W, Size::D] {
            for &a in &values {
                for &b in &values {
                    let (a, b) = (a & size.mask(), b & size.mask());
                    for (op, res) in [(FlagOp::Sub, a.wrapping_sub(b)), (FlagOp::Logic, a & b)] {
                        cpu.set_lazy(op, size, a, b, res);
                        for cc in all {
                            assert_eq!(
                                cpu.cond(cc),
                                cpu.cond_slow(cc),
                                "{op:?} {size:?} {a:#x} {b:#x} {cc:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

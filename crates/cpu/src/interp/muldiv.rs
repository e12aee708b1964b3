//! `mul`, `imul` (one, two and three operands), `div`, `idiv`.
//!
//! Multiplies set CF = OF = "the upper half is significant"; SF ZF PF follow
//! the low half of the result as on Intel CPUs, AF is cleared. Divides leave
//! the flags alone and raise #DE for a zero divisor or a quotient that does
//! not fit.

use iced_x86::{Instruction, Mnemonic as M};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::exit::Exit;
use crate::operand::{op_size, Size};
use crate::state::Cpu;

impl Cpu {
    pub(crate) fn muldiv(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        if insn.mnemonic() == M::Imul && insn.op_count() > 1 {
            return self.imul_n(mem, insn);
        }
        let size = op_size(insn, 0);
        let src = self.read(mem, self.loc(insn, 0), size)?;
        // The implicit accumulator pair: al/ah is ax; dx:ax; edx:eax.
        let (lo, hi) = match size {
            Size::B => (self.regs[0] & 0xff, (self.regs[0] >> 8) & 0xff),
            _ => (self.read_reg(0, 0, size), self.read_reg(2, 0, size)),
        };
        let bits = size.bits();
        match insn.mnemonic() {
            M::Mul => {
                let p = u64::from(lo) * u64::from(src);
                let high = (p >> bits) as u32 & size.mask();
                self.set_pair(size, p as u32, high);
                self.set_result_flags(size, p as u32, high != 0, high != 0);
            }
            M::Imul => {
                let p = i64::from(size.sext(lo) as i32) * i64::from(size.sext(src) as i32);
                let low = p as u32 & size.mask();
                let high = (p >> bits) as u32 & size.mask();
                let wide = i64::from(size.sext(low) as i32) != p;
                self.set_pair(size, low, high);
                self.set_result_flags(size, low, wide, wide);
            }
            M::Div => {
                let n = u64::from(hi) << bits | u64::from(lo);
                let d = u64::from(src);
                if d == 0 {
                    return Err(Exit::DivideError);
                }
                let q = n / d;
                if q > u64::from(size.mask()) {
                    return Err(Exit::DivideError);
                }
                self.set_pair(size, q as u32, (n % d) as u32);
            }
            _ => {
                let n = (u64::from(hi) << bits | u64::from(lo)) as i64;
                // Sign-extend the 2×size-bit dividend.
                let n = (n << (64 - 2 * bits)) >> (64 - 2 * bits);
                let d = i64::from(size.sext(src) as i32);
                if d == 0 {
                    return Err(Exit::DivideError);
                }
                let (q, r) = (n.wrapping_div(d), n.wrapping_rem(d));
                let max = i64::from(size.sign() - 1);
                if q > max || q < -max - 1 || (n == i64::MIN && d == -1) {
                    return Err(Exit::DivideError);
                }
                self.set_pair(size, q as u32, r as u32);
            }
        }
        Ok(())
    }

    /// Writes a result pair: al/ah (as ax), ax/dx or eax/edx.
    fn set_pair(&mut self, size: Size, lo: u32, hi: u32) {
        match size {
            Size::B => self.write_reg(0, 0, Size::W, (lo & 0xff) | (hi & 0xff) << 8),
            _ => {
                self.write_reg(0, 0, size, lo);
                self.write_reg(2, 0, size, hi);
            }
        }
    }

    /// `imul r, r/m` and `imul r, r/m, imm`: truncated signed product.
    fn imul_n(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let (a, b) = if insn.op_count() == 3 {
            (
                self.read(mem, self.loc(insn, 1), size)?,
                self.read(mem, self.loc(insn, 2), size)?,
            )
        } else {
            (
                self.read(mem, self.loc(insn, 0), size)?,
                self.read(mem, self.loc(insn, 1), size)?,
            )
        };
        let p = i64::from(size.sext(a) as i32) * i64::from(size.sext(b) as i32);
        let low = p as u32 & size.mask();
        let wide = i64::from(size.sext(low) as i32) != p;
        self.write(mem, self.loc(insn, 0), size, low)?;
        self.set_result_flags(size, low, wide, wide);
        Ok(())
    }
}

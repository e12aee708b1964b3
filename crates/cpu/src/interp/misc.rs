//! Flag instructions (`clc stc cmc cld std lahf sahf`) and the BCD adjusts
//! (`daa das aaa aas aam aad`).

use iced_x86::{Instruction, Mnemonic as M};

use crate::exec::Step;
use crate::exit::Exit;
use crate::flags::{parity, AF, ARITH, CF, DF, PF, SF, ZF};
use crate::operand::Size;
use crate::state::Cpu;

/// SF, ZF and PF of a byte result, as EFLAGS bits.
fn szp(v: u8) -> u32 {
    let mut f = 0;
    if v == 0 {
        f |= ZF;
    }
    if v & 0x80 != 0 {
        f |= SF;
    }
    if parity(u32::from(v)) {
        f |= PF;
    }
    f
}

impl Cpu {
    pub(crate) fn flag_op(&mut self, insn: &Instruction) -> Step {
        match insn.mnemonic() {
            M::Clc => self.set_status(CF, 0),
            M::Stc => self.set_status(CF, CF),
            M::Cmc => self.set_status(CF, !self.cf() as u32),
            M::Cld => self.flags &= !DF,
            M::Std => self.flags |= DF,
            M::Lahf => {
                // Bit 1 of EFLAGS always reads 1; bits 3 and 5 read 0.
                let v = (self.eflags() & (SF | ZF | AF | PF | CF)) | 2;
                self.write_reg(0, 8, Size::B, v);
            }
            _ => {
                let ah = self.read_reg(0, 8, Size::B);
                self.set_status(SF | ZF | AF | PF | CF, ah);
            }
        }
        Ok(())
    }

    /// `daa das aaa aas`: decimal adjust after addition or subtraction.
    pub(crate) fn bcd_adjust(&mut self, insn: &Instruction) -> Step {
        let al = self.regs[0] as u8;
        let (cf, af) = (self.cf(), self.eflags() & AF != 0);
        let low_adjust = al & 0x0f > 9 || af;
        match insn.mnemonic() {
            M::Daa | M::Das => {
                let add = insn.mnemonic() == M::Daa;
                let mut v = al;
                let mut new_cf = false;
                if low_adjust {
                    let (r, carry) = if add {
                        al.overflowing_add(6)
                    } else {
                        al.overflowing_sub(6)
                    };
                    v = r;
                    new_cf = cf || carry;
                }
                if al > 0x99 || cf {
                    v = if add {
                        v.wrapping_add(0x60)
                    } else {
                        v.wrapping_sub(0x60)
                    };
                    new_cf = true;
                }
                self.write_reg(0, 0, Size::B, u32::from(v));
                let f = szp(v) | new_cf as u32 | (low_adjust as u32) << 4;
                self.set_status(ARITH, f);
            }
            _ => {
                let ax = self.regs[0] & 0xffff;
                let ax = if !low_adjust {
                    ax
                } else if insn.mnemonic() == M::Aaa {
                    ax.wrapping_add(0x106)
                } else {
                    ax.wrapping_sub(6).wrapping_sub(0x100)
                };
                self.write_reg(0, 0, Size::W, ax & 0xff0f);
                let adj = low_adjust as u32;
                // SF ZF PF OF are undefined; report those of the raw AL.
                self.set_status(ARITH, adj | adj << 4 | szp(ax as u8));
            }
        }
        Ok(())
    }

    /// `aam imm8` / `aad imm8`: ASCII adjust around multiply and divide.
    pub(crate) fn bcd_ascii(&mut self, insn: &Instruction) -> Step {
        let base = u32::from(insn.immediate8());
        let (al, ah) = (self.regs[0] & 0xff, (self.regs[0] >> 8) & 0xff);
        let ax = if insn.mnemonic() == M::Aam {
            if base == 0 {
                return Err(Exit::DivideError);
            }
            ((al / base) << 8) | (al % base)
        } else {
            (al + ah * base) & 0xff
        };
        self.write_reg(0, 0, Size::W, ax);
        self.set_status(ARITH, szp(ax as u8));
        Ok(())
    }
}

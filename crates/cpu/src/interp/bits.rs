//! Bit tests (`bt bts btr btc`) and scans (`bsf bsr`).
//!
//! With a register bit offset and a memory operand the offset is signed and
//! may address any bit relative to the operand's address, as on hardware.
//! `tzcnt`/`lzcnt` (F3-prefixed scans) run as `bsf`/`bsr`, which is what a
//! CPU without BMI1/LZCNT does (CPUID does not advertise them).

use iced_x86::{Instruction, Mnemonic as M, OpKind};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::flags::{CF, ZF};
use crate::operand::{op_size, Loc};
use crate::state::Cpu;

impl Cpu {
    pub(crate) fn bit_test(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let n = size.bits();
        let offset = self.read(mem, self.loc(insn, 1), size)?;
        let mut dst = self.loc(insn, 0);
        let bit = match dst {
            Loc::Mem(addr) if insn.op1_kind() == OpKind::Register => {
                // Signed offset: move to the operand-sized unit holding the bit.
                let off = size.sext(offset) as i32;
                let unit = off >> n.trailing_zeros();
                dst = Loc::Mem(addr.wrapping_add((unit as u32).wrapping_mul(size.bytes())));
                offset & (n - 1)
            }
            _ => offset & (n - 1),
        };
        let v = self.read(mem, dst, size)?;
        let cf = (v >> bit) & 1;
        let res = match insn.mnemonic() {
            M::Bts => Some(v | 1 << bit),
            M::Btr => Some(v & !(1 << bit)),
            M::Btc => Some(v ^ 1 << bit),
            _ => None,
        };
        if let Some(res) = res {
            self.write(mem, dst, size, res)?;
        }
        self.set_status(CF, cf);
        Ok(())
    }

    pub(crate) fn bit_scan(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let v = self.read(mem, self.loc(insn, 1), size)?;
        if v == 0 {
            // The destination keeps its value (documented "undefined").
            self.set_status(ZF, ZF);
            return Ok(());
        }
        let index = match insn.mnemonic() {
            M::Bsf | M::Tzcnt => v.trailing_zeros(),
            _ => 31 - v.leading_zeros(),
        };
        self.write(mem, self.loc(insn, 0), size, index)?;
        self.set_status(ZF, 0);
        Ok(())
    }
}

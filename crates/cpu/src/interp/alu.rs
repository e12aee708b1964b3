//! Two-operand arithmetic and logic (`add adc sub sbb and or xor cmp test`)
//! and the one-operand `inc dec neg not`. Flags are recorded lazily
//! (see `flags.rs`); the destination is written before the flags so a
//! faulting store leaves them as they were.

use iced_x86::{Instruction, Mnemonic as M};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::flags::FlagOp;
use crate::operand::op_size;
use crate::state::Cpu;

impl Cpu {
    pub(crate) fn alu(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let a = self.read(mem, dst, size)?;
        let b = self.read(mem, self.loc(insn, 1), size)?;
        let (op, res, store) = match insn.mnemonic() {
            M::Add => (FlagOp::Add, a.wrapping_add(b), true),
            M::Adc => (
                FlagOp::Adc,
                a.wrapping_add(b).wrapping_add(self.cf() as u32),
                true,
            ),
            M::Sub => (FlagOp::Sub, a.wrapping_sub(b), true),
            M::Sbb => (
                FlagOp::Sbb,
                a.wrapping_sub(b).wrapping_sub(self.cf() as u32),
                true,
            ),
            M::Cmp => (FlagOp::Sub, a.wrapping_sub(b), false),
            M::And => (FlagOp::Logic, a & b, true),
            M::Or => (FlagOp::Logic, a | b, true),
            M::Xor => (FlagOp::Logic, a ^ b, true),
            _ => (FlagOp::Logic, a & b, false), // test
        };
        if store {
            self.write(mem, dst, size, res)?;
        }
        self.set_lazy(op, size, a, b, res);
        Ok(())
    }

    pub(crate) fn inc_dec(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let a = self.read(mem, dst, size)?;
        let (op, res) = match insn.mnemonic() {
            M::Inc => (FlagOp::Inc, a.wrapping_add(1)),
            _ => (FlagOp::Dec, a.wrapping_sub(1)),
        };
        self.write(mem, dst, size, res)?;
        self.keep_cf();
        self.set_lazy(op, size, a, 1, res);
        Ok(())
    }

    pub(crate) fn neg_not(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let a = self.read(mem, dst, size)?;
        if insn.mnemonic() == M::Not {
            return Ok(self.write(mem, dst, size, !a)?);
        }
        let res = 0u32.wrapping_sub(a);
        self.write(mem, dst, size, res)?;
        self.set_lazy(FlagOp::Sub, size, 0, a, res);
        Ok(())
    }
}

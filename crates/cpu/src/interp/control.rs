//! Control transfer: `jmp`, `call`, `ret` (direct, indirect, `ret imm16`),
//! `loop`/`loope`/`loopne`, `jecxz`. Conditional jumps are inline in the
//! dispatcher. Far transfers to other segments raise #GP: user code of a
//! flat Linux process has nowhere else to go.
//!
//! `eip` already points past the instruction when a handler runs, which is
//! the return address `call` pushes.

use iced_x86::{Code, Instruction, Mnemonic as M, OpKind};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::exit::Exit;
use crate::operand::{op_size, Size};
use crate::state::Cpu;

impl Cpu {
    /// The target of a near `jmp`/`call`: immediate, register or memory.
    #[inline(always)]
    fn branch_target(&self, mem: &mut AddressSpace, insn: &Instruction) -> Result<u32, Exit> {
        match insn.op0_kind() {
            OpKind::NearBranch32 => Ok(insn.near_branch32()),
            OpKind::NearBranch16 => Ok(u32::from(insn.near_branch16())),
            OpKind::Register | OpKind::Memory
                if !matches!(
                    insn.code(),
                    Code::Jmp_m1616 | Code::Jmp_m1632 | Code::Call_m1616 | Code::Call_m1632
                ) =>
            {
                Ok(self.read(mem, self.loc(insn, 0), op_size(insn, 0))?)
            }
            _ => Err(Exit::GeneralProtection),
        }
    }

    pub(crate) fn jmp(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        self.eip = self.branch_target(mem, insn)?;
        Ok(())
    }

    pub(crate) fn call(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        // The target is read before the push: `call *(%esp)` uses the old top.
        let target = self.branch_target(mem, insn)?;
        let size = match insn.code() {
            Code::Call_rel16 | Code::Call_rm16 => Size::W,
            _ => Size::D,
        };
        self.push(mem, size, self.eip)?;
        self.eip = target;
        Ok(())
    }

    pub(crate) fn ret(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = match insn.code() {
            Code::Retnw | Code::Retnw_imm16 => Size::W,
            _ => Size::D,
        };
        let target = self.peek(mem, size)?;
        self.regs[4] = self.regs[4].wrapping_add(insn.stack_pointer_increment() as u32);
        self.eip = target;
        Ok(())
    }

    /// `loop*` count in `ecx` (or `cx` with an address-size prefix).
    pub(crate) fn loop_jcxz(&mut self, insn: &Instruction) -> Step {
        let size = match insn.code() {
            Code::Loop_rel8_16_CX
            | Code::Loop_rel8_32_CX
            | Code::Loope_rel8_16_CX
            | Code::Loope_rel8_32_CX
            | Code::Loopne_rel8_16_CX
            | Code::Loopne_rel8_32_CX
            | Code::Jcxz_rel8_16
            | Code::Jcxz_rel8_32 => Size::W,
            _ => Size::D,
        };
        let taken = match insn.mnemonic() {
            M::Jecxz | M::Jcxz => self.read_reg(1, 0, size) == 0,
            m => {
                let count = self.read_reg(1, 0, size).wrapping_sub(1) & size.mask();
                self.write_reg(1, 0, size, count);
                count != 0
                    && match m {
                        M::Loope => self.zf(),
                        M::Loopne => !self.zf(),
                        _ => true,
                    }
            }
        };
        if taken {
            self.eip = insn.near_branch32();
        }
        Ok(())
    }
}

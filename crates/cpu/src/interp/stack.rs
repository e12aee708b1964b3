//! Stack instructions: `push`/`pop` (registers, segment registers, memory,
//! immediates), `pusha`/`popa`, `pushf`/`popf`, `enter`/`leave`.
//!
//! The operand size (16 or 32 bits) comes from iced's stack-pointer
//! increment, which already accounts for the 0x66 prefix. `esp` moves only
//! after the memory access succeeded.

use iced_x86::{Code, Instruction, OpKind, Register};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::operand::{gpr, read_mem, seg_index, write_mem, Size};
use crate::state::Cpu;

/// EFLAGS bits `pushf` does not show: VM and RF.
const PUSHF_HIDDEN: u32 = 0x0003_0000;

fn stack_size(insn: &Instruction) -> Size {
    match insn.stack_pointer_increment().unsigned_abs() {
        2 => Size::W,
        _ => Size::D,
    }
}

impl Cpu {
    pub(crate) fn push_op(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = stack_size(insn);
        let v = match insn.op0_kind() {
            OpKind::Register if insn.op0_register() as usize >= Register::ES as usize => {
                u32::from(self.seg[seg_index(insn.op0_register())])
            }
            _ => {
                let loc = self.loc(insn, 0);
                self.read(mem, loc, size)?
            }
        };
        Ok(self.push(mem, size, v)?)
    }

    pub(crate) fn pop_op(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = stack_size(insn);
        let v = self.peek(mem, size)?;
        let old_sp = self.regs[4];
        let new_sp = old_sp.wrapping_add(size.bytes());
        match insn.op0_kind() {
            OpKind::Register if insn.op0_register() as usize >= Register::ES as usize => {
                self.load_sreg(insn.op0_register(), v)?;
                self.regs[4] = new_sp;
            }
            OpKind::Register => {
                // `pop esp` loads the popped value: increment first.
                self.regs[4] = new_sp;
                let (i, _) = gpr(insn.op0_register());
                self.write_reg(i, 0, size, v);
            }
            _ => {
                // A memory destination is addressed with the incremented esp.
                self.regs[4] = new_sp;
                let loc = self.loc(insn, 0);
                if let Err(fault) = self.write(mem, loc, size, v) {
                    self.regs[4] = old_sp;
                    return Err(fault.into());
                }
            }
        }
        Ok(())
    }

    pub(crate) fn pusha(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = if insn.code() == Code::Pushaw {
            Size::W
        } else {
            Size::D
        };
        let sp = self.regs[4];
        let base = self.seg_base[2];
        // Order in memory from the new top: edi esi ebp esp ebx edx ecx eax.
        for i in 0..8u32 {
            let at = sp.wrapping_sub((i + 1) * size.bytes()).wrapping_add(base);
            write_mem(mem, at, size, self.regs[i as usize])?;
        }
        self.regs[4] = sp.wrapping_sub(8 * size.bytes());
        Ok(())
    }

    pub(crate) fn popa(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = if insn.code() == Code::Popaw {
            Size::W
        } else {
            Size::D
        };
        let sp = self.regs[4];
        let mut vals = [0u32; 8];
        for (i, v) in vals.iter_mut().enumerate() {
            let at = sp
                .wrapping_add((7 - i as u32) * size.bytes())
                .wrapping_add(self.seg_base[2]);
            *v = read_mem(mem, at, size)?;
        }
        for (i, &v) in vals.iter().enumerate() {
            if i != 4 {
                self.write_reg(i, 0, size, v);
            }
        }
        self.regs[4] = sp.wrapping_add(8 * size.bytes());
        Ok(())
    }

    pub(crate) fn pushf(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let v = self.eflags() & !PUSHF_HIDDEN;
        Ok(self.push(mem, stack_size(insn), v)?)
    }

    pub(crate) fn popf(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = stack_size(insn);
        let v = self.peek(mem, size)?;
        let v = match size {
            Size::W => (self.eflags() & 0xffff_0000) | v,
            _ => v,
        };
        self.regs[4] = self.regs[4].wrapping_add(size.bytes());
        self.set_eflags(v);
        Ok(())
    }

    pub(crate) fn enter(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = if insn.code() == Code::Enterw_imm16_imm8 {
            Size::W
        } else {
            Size::D
        };
        let alloc = u32::from(insn.immediate16());
        let level = u32::from(insn.immediate8_2nd()) & 31;
        let (sp, bp) = (self.regs[4], self.regs[5]);
        let result = self.enter_frame(mem, size, alloc, level);
        if result.is_err() {
            self.regs[4] = sp;
            self.regs[5] = bp;
        }
        result
    }

    fn enter_frame(&mut self, mem: &mut AddressSpace, size: Size, alloc: u32, level: u32) -> Step {
        self.push(mem, size, self.regs[5])?;
        let frame = self.regs[4];
        if level > 0 {
            let mut bp = self.regs[5];
            for _ in 1..level {
                bp = bp.wrapping_sub(size.bytes());
                let v = read_mem(mem, bp.wrapping_add(self.seg_base[2]), size)?;
                self.push(mem, size, v)?;
            }
            self.push(mem, size, frame)?;
        }
        self.write_reg(5, 0, size, frame);
        self.regs[4] = self.regs[4].wrapping_sub(alloc);
        Ok(())
    }

    pub(crate) fn leave(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = if insn.code() == Code::Leavew {
            Size::W
        } else {
            Size::D
        };
        let bp = self.regs[5];
        let v = read_mem(mem, bp.wrapping_add(self.seg_base[2]), size)?;
        self.regs[4] = bp.wrapping_add(size.bytes());
        self.write_reg(5, 0, size, v);
        Ok(())
    }
}

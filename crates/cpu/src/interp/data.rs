//! Data movement: `mov` (incl. segment registers), `movzx`/`movsx`, `lea`,
//! `xchg`, `cmovcc`, `setcc`, `bswap`, `xlat`, `cbw`/`cwde`/`cwd`/`cdq`,
//! and the atomic exchanges `xadd`, `cmpxchg`, `cmpxchg8b`.
//!
//! Where an instruction writes both memory and a register, memory goes
//! first: if the store faults, no register has changed (precise faults).

use iced_x86::{Instruction, Mnemonic as M, OpKind, Register};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::exit::Exit;
use crate::flags::{FlagOp, ZF};
use crate::operand::{gpr, op_size, seg_index, Loc, Size};
use crate::state::{Cpu, Segment};

const SEGMENTS: [Segment; 6] = [
    Segment::Es,
    Segment::Cs,
    Segment::Ss,
    Segment::Ds,
    Segment::Fs,
    Segment::Gs,
];

/// True for a register that is not a general-purpose one (segment, control,
/// debug register).
fn special(r: Register) -> bool {
    r as usize > Register::R15D as usize
}

fn is_sreg(r: Register) -> bool {
    (Register::ES as usize..=Register::GS as usize).contains(&(r as usize))
}

impl Cpu {
    pub(crate) fn mov(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let (k0, k1) = (insn.op0_kind(), insn.op1_kind());
        if k0 == OpKind::Register && special(insn.op0_register()) {
            return self.mov_to_special(mem, insn);
        }
        if k1 == OpKind::Register && special(insn.op1_register()) {
            let r = insn.op1_register();
            if !is_sreg(r) {
                return Err(Exit::GeneralProtection);
            }
            // A selector stored to memory is 16 bits; to a register it is
            // zero-extended.
            let v = u32::from(self.seg[seg_index(r)]);
            let size = if k0 == OpKind::Memory {
                Size::W
            } else {
                op_size(insn, 0)
            };
            let dst = self.loc(insn, 0);
            return Ok(self.write(mem, dst, size, v)?);
        }
        let size = op_size(insn, 0);
        let v = self.read(mem, self.loc(insn, 1), size)?;
        Ok(self.write(mem, self.loc(insn, 0), size, v)?)
    }

    fn mov_to_special(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let r = insn.op0_register();
        if !is_sreg(r) || r == Register::CS {
            return Err(Exit::GeneralProtection);
        }
        let v = self.read(mem, self.loc(insn, 1), Size::W)?;
        self.load_sreg(r, v)
    }

    /// Loads a segment register by iced name, #GP on a bad selector.
    pub(crate) fn load_sreg(&mut self, r: Register, v: u32) -> Step {
        if self.load_segment(SEGMENTS[seg_index(r)], v as u16) {
            Ok(())
        } else {
            Err(Exit::GeneralProtection)
        }
    }

    pub(crate) fn movzx(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let v = self.read(mem, self.loc(insn, 1), op_size(insn, 1))?;
        Ok(self.write(mem, self.loc(insn, 0), op_size(insn, 0), v)?)
    }

    pub(crate) fn movsx(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let src = op_size(insn, 1);
        let v = src.sext(self.read(mem, self.loc(insn, 1), src)?);
        Ok(self.write(mem, self.loc(insn, 0), op_size(insn, 0), v)?)
    }

    pub(crate) fn lea(&mut self, insn: &Instruction) -> Step {
        let (i, _) = gpr(insn.op0_register());
        let size = op_size(insn, 0);
        let v = self.offset_address(insn);
        self.write_reg(i, 0, size, v);
        Ok(())
    }

    pub(crate) fn xchg(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let (mut l0, mut l1) = (self.loc(insn, 0), self.loc(insn, 1));
        if matches!(l0, Loc::Mem(_)) {
            std::mem::swap(&mut l0, &mut l1);
        }
        // l1 is now the memory operand if there is one: store it first.
        let (a, b) = (self.read(mem, l0, size)?, self.read(mem, l1, size)?);
        self.write(mem, l1, size, a)?;
        Ok(self.write(mem, l0, size, b)?)
    }

    pub(crate) fn cmovcc(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        // The source is read (and may fault) whatever the condition.
        let v = self.read(mem, self.loc(insn, 1), size)?;
        if self.cond(insn.condition_code()) {
            self.write(mem, self.loc(insn, 0), size, v)?;
        }
        Ok(())
    }

    pub(crate) fn setcc(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let v = self.cond(insn.condition_code()) as u32;
        Ok(self.write(mem, self.loc(insn, 0), Size::B, v)?)
    }

    pub(crate) fn bswap(&mut self, insn: &Instruction) -> Step {
        let (i, _) = gpr(insn.op0_register());
        match op_size(insn, 0) {
            Size::D => self.regs[i] = self.regs[i].swap_bytes(),
            // 16-bit bswap is undefined; Intel CPUs clear the register.
            _ => self.write_reg(i, 0, Size::W, 0),
        }
        Ok(())
    }

    pub(crate) fn xlat(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let addr = self.regs[3]
            .wrapping_add(self.regs[0] & 0xff)
            .wrapping_add(self.seg_base[seg_index(insn.memory_segment())]);
        let v = u32::from(mem.read_u8(addr)?);
        self.write_reg(0, 0, Size::B, v);
        Ok(())
    }

    pub(crate) fn convert(&mut self, insn: &Instruction) -> Step {
        let eax = self.regs[0];
        match insn.mnemonic() {
            M::Cbw => self.write_reg(0, 0, Size::W, Size::B.sext(eax)),
            M::Cwde => self.regs[0] = Size::W.sext(eax),
            M::Cwd => self.write_reg(2, 0, Size::W, Size::W.sext(eax) >> 16),
            _ => self.regs[2] = ((eax as i32) >> 31) as u32,
        }
        Ok(())
    }

    pub(crate) fn xadd(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let (dst, src) = (self.loc(insn, 0), self.loc(insn, 1));
        let (a, b) = (self.read(mem, dst, size)?, self.read(mem, src, size)?);
        let sum = a.wrapping_add(b);
        if matches!(dst, Loc::Mem(_)) {
            self.write(mem, dst, size, sum)?;
            self.write(mem, src, size, a)?;
        } else {
            // `xadd r, r` with one register: the sum wins.
            self.write(mem, src, size, a)?;
            self.write(mem, dst, size, sum)?;
        }
        self.set_lazy(FlagOp::Add, size, a, b, sum);
        Ok(())
    }

    pub(crate) fn cmpxchg(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let cur = self.read(mem, dst, size)?;
        let acc = self.read_reg(0, 0, size);
        let new = self.read(mem, self.loc(insn, 1), size)?;
        if acc == cur {
            self.write(mem, dst, size, new)?;
        } else {
            // The processor writes the old value back, so a read-only
            // destination faults either way.
            self.write(mem, dst, size, cur)?;
            self.write_reg(0, 0, size, cur);
        }
        self.set_lazy(FlagOp::Sub, size, acc, cur, acc.wrapping_sub(cur));
        Ok(())
    }

    pub(crate) fn cmpxchg8b(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let Loc::Mem(addr) = self.loc(insn, 0) else {
            return Err(Exit::InvalidOpcode);
        };
        let cur = mem.read_u64(addr)?;
        let expect = u64::from(self.regs[2]) << 32 | u64::from(self.regs[0]);
        let equal = cur == expect;
        if equal {
            mem.write_u64(
                addr,
                u64::from(self.regs[1]) << 32 | u64::from(self.regs[3]),
            )?;
        } else {
            mem.write_u64(addr, cur)?;
            self.regs[0] = cur as u32;
            self.regs[2] = (cur >> 32) as u32;
        }
        self.set_status(ZF, if equal { ZF } else { 0 });
        Ok(())
    }
}

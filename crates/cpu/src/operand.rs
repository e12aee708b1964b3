//! Operand access: effective addresses, registers by iced name, and
//! sized reads and writes of register or memory operands.
//!
//! Instructions name their operands with iced-x86's `OpKind`/`Register`; this
//! module turns one operand into a [`Loc`] (computed once, so a
//! read-modify-write instruction computes its address once) and reads or
//! writes it at a [`Size`].

use iced_x86::{Instruction, OpKind, Register};
use tabvm_mem::{AddressSpace, Fault};

use crate::state::Cpu;

/// Operand width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Size {
    B = 8,
    W = 16,
    D = 32,
}

impl Size {
    #[inline(always)]
    pub fn mask(self) -> u32 {
        match self {
            Size::B => 0xff,
            Size::W => 0xffff,
            Size::D => 0xffff_ffff,
        }
    }
    #[inline(always)]
    pub fn sign(self) -> u32 {
        match self {
            Size::B => 0x80,
            Size::W => 0x8000,
            Size::D => 0x8000_0000,
        }
    }
    #[inline(always)]
    pub fn bits(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    pub fn bytes(self) -> u32 {
        self as u32 / 8
    }
    /// Sign-extends the low `self` bits of `v` to 32 bits.
    #[inline(always)]
    pub fn sext(self, v: u32) -> u32 {
        match self {
            Size::B => v as u8 as i8 as u32,
            Size::W => v as u16 as i16 as u32,
            Size::D => v,
        }
    }
    fn of_bytes(n: usize) -> Size {
        match n {
            1 => Size::B,
            2 => Size::W,
            _ => Size::D,
        }
    }
}

/// Where an operand lives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Loc {
    /// A general register: index and bit shift (8 for AH..BH).
    Reg(usize, u32),
    Mem(u32),
    Imm(u32),
}

/// Index and shift of a general register of any width.
#[inline(always)]
pub(crate) fn gpr(r: Register) -> (usize, u32) {
    let n = r as usize;
    match n {
        1..=4 => (n - 1, 0),
        5..=8 => (n - 5, 8),
        21..=28 => (n - 21, 0),
        _ => (n.wrapping_sub(37) & 7, 0),
    }
}

/// Width of a general register.
#[inline(always)]
pub(crate) fn reg_size(r: Register) -> Size {
    match r as usize {
        1..=20 => Size::B,
        21..=36 => Size::W,
        _ => Size::D,
    }
}

/// True for 16-bit addressing (`[bx+si]` forms, 0x67 prefix).
#[inline(always)]
pub(crate) fn is_addr16(insn: &Instruction) -> bool {
    let r16 = |r: Register| (Register::AX..=Register::DI).contains(&r);
    r16(insn.memory_base()) || r16(insn.memory_index()) || insn.memory_displ_size() == 2
}

/// Index into `Cpu::seg` of a segment register.
#[inline(always)]
pub(crate) fn seg_index(r: Register) -> usize {
    (r as usize).wrapping_sub(Register::ES as usize).min(5)
}

impl Cpu {
    /// The linear address of the memory operand of `insn`: base + index ×
    /// scale + displacement, plus the base of its segment (non-zero only for
    /// %fs/%gs TLS segments in Linux user mode).
    #[inline]
    pub(crate) fn effective_address(&self, insn: &Instruction) -> u32 {
        self.offset_address(insn)
            .wrapping_add(self.seg_base[seg_index(insn.memory_segment())])
    }

    /// The offset part of the memory operand (what `lea` computes). With a
    /// 0x67 prefix (16-bit addressing) it wraps at 64 KiB.
    #[inline]
    pub(crate) fn offset_address(&self, insn: &Instruction) -> u32 {
        let mut a = insn.memory_displacement32();
        let base = insn.memory_base();
        if base != Register::None {
            a = a.wrapping_add(self.regs[gpr(base).0]);
        }
        let index = insn.memory_index();
        if index != Register::None {
            a = a.wrapping_add(self.regs[gpr(index).0].wrapping_mul(insn.memory_index_scale()));
        }
        if is_addr16(insn) {
            a &= 0xffff;
        }
        a
    }

    /// Resolves operand `n` of `insn`.
    #[inline(always)]
    pub(crate) fn loc(&self, insn: &Instruction, n: u32) -> Loc {
        match insn.op_kind(n) {
            OpKind::Register => {
                let (i, shift) = gpr(insn.op_register(n));
                Loc::Reg(i, shift)
            }
            OpKind::Memory => Loc::Mem(self.effective_address(insn)),
            OpKind::Immediate8to32 => Loc::Imm(insn.immediate8to32() as u32),
            OpKind::Immediate8to16 => Loc::Imm(insn.immediate8to16() as u16 as u32),
            _ => Loc::Imm(insn.try_immediate(n).unwrap_or(0) as u32),
        }
    }

    #[inline(always)]
    pub(crate) fn read_reg(&self, i: usize, shift: u32, size: Size) -> u32 {
        (self.regs[i] >> shift) & size.mask()
    }

    #[inline(always)]
    pub(crate) fn write_reg(&mut self, i: usize, shift: u32, size: Size, v: u32) {
        let r = &mut self.regs[i];
        *r = match size {
            Size::D => v,
            _ => (*r & !(size.mask() << shift)) | ((v & size.mask()) << shift),
        };
    }

    #[inline(always)]
    pub(crate) fn read(&self, mem: &mut AddressSpace, loc: Loc, size: Size) -> Result<u32, Fault> {
        match loc {
            Loc::Reg(i, shift) => Ok(self.read_reg(i, shift, size)),
            Loc::Mem(a) => read_mem(mem, a, size),
            Loc::Imm(v) => Ok(v & size.mask()),
        }
    }

    #[inline(always)]
    pub(crate) fn write(
        &mut self,
        mem: &mut AddressSpace,
        loc: Loc,
        size: Size,
        v: u32,
    ) -> Result<(), Fault> {
        match loc {
            Loc::Reg(i, shift) => {
                self.write_reg(i, shift, size, v);
                Ok(())
            }
            Loc::Mem(a) => write_mem(mem, a, size, v),
            // Decoded instructions never name an immediate as a destination.
            Loc::Imm(_) => Ok(()),
        }
    }

    /// Pushes `v` (`size` is W or D); `esp` moves only if the store worked.
    #[inline(always)]
    pub(crate) fn push(&mut self, mem: &mut AddressSpace, size: Size, v: u32) -> Result<(), Fault> {
        let sp = self.regs[4].wrapping_sub(size.bytes());
        write_mem(mem, sp.wrapping_add(self.seg_base[2]), size, v)?;
        self.regs[4] = sp;
        Ok(())
    }

    /// Reads the value on top of the stack without popping it.
    #[inline(always)]
    pub(crate) fn peek(&self, mem: &mut AddressSpace, size: Size) -> Result<u32, Fault> {
        read_mem(mem, self.regs[4].wrapping_add(self.seg_base[2]), size)
    }
}

/// Width of operand `n` of `insn` (a register or memory operand).
#[inline(always)]
pub(crate) fn op_size(insn: &Instruction, n: u32) -> Size {
    match insn.op_kind(n) {
        OpKind::Register => reg_size(insn.op_register(n)),
        _ => Size::of_bytes(insn.memory_size().size()),
    }
}

#[inline(always)]
pub(crate) fn read_mem(mem: &mut AddressSpace, a: u32, size: Size) -> Result<u32, Fault> {
    match size {
        Size::B => mem.read_u8(a).map(u32::from),
        Size::W => mem.read_u16(a).map(u32::from),
        Size::D => mem.read_u32(a),
    }
}

#[inline(always)]
pub(crate) fn write_mem(mem: &mut AddressSpace, a: u32, size: Size, v: u32) -> Result<(), Fault> {
    match size {
        Size::B => mem.write_u8(a, v as u8),
        Size::W => mem.write_u16(a, v as u16),
        Size::D => mem.write_u32(a, v),
    }
}

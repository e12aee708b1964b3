//! String instructions `movs stos lods cmps scas` with `rep`/`repe`/`repne`.
//!
//! The source is `[seg:esi]` (ds unless overridden), the destination
//! `[es:edi]`; both step by the element size, backwards when DF is set.
//! Registers are updated after every element, so a fault in the middle of a
//! `rep` leaves `ecx`/`esi`/`edi` at the element that faulted and `eip` at the
//! instruction, which restarts it — as on hardware.
//!
//! `rep movs` and `rep stos` forwards move whole runs that stay inside one
//! page on both sides at once; such a run faults only on its first element,
//! so the state at a fault is still exact.

use iced_x86::{Instruction, Mnemonic as M};
use tabvm_mem::{AddressSpace, PAGE_SIZE};

use crate::exec::Step;
use crate::flags::FlagOp;
use crate::operand::{read_mem, seg_index, write_mem, Size};
use crate::state::Cpu;

/// Largest run moved at once: one page.
const RUN: usize = PAGE_SIZE as usize;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Movs,
    Stos,
    Lods,
    Cmps,
    Scas,
}

fn classify(m: M) -> (Kind, Size) {
    match m {
        M::Movsb => (Kind::Movs, Size::B),
        M::Movsw => (Kind::Movs, Size::W),
        M::Movsd => (Kind::Movs, Size::D),
        M::Stosb => (Kind::Stos, Size::B),
        M::Stosw => (Kind::Stos, Size::W),
        M::Stosd => (Kind::Stos, Size::D),
        M::Lodsb => (Kind::Lods, Size::B),
        M::Lodsw => (Kind::Lods, Size::W),
        M::Lodsd => (Kind::Lods, Size::D),
        M::Cmpsb => (Kind::Cmps, Size::B),
        M::Cmpsw => (Kind::Cmps, Size::W),
        M::Cmpsd => (Kind::Cmps, Size::D),
        M::Scasb => (Kind::Scas, Size::B),
        M::Scasw => (Kind::Scas, Size::W),
        _ => (Kind::Scas, Size::D),
    }
}

impl Cpu {
    pub(crate) fn string(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let (kind, size) = classify(insn.mnemonic());
        let rep = insn.has_rep_prefix() || insn.has_repne_prefix();
        if !rep {
            return self.string_once(mem, insn, kind, size);
        }
        // For cmps/scas, F3 repeats while equal and F2 while not equal.
        let until_zf = match kind {
            Kind::Cmps | Kind::Scas => Some(insn.has_repne_prefix()),
            _ => None,
        };
        while self.regs[1] != 0 {
            if !self.df()
                && matches!(kind, Kind::Movs | Kind::Stos)
                && self.string_run(mem, insn, kind, size)?
            {
                continue;
            }
            self.string_once(mem, insn, kind, size)?;
            self.regs[1] -= 1;
            if until_zf.is_some_and(|stop_on| self.zf() == stop_on) {
                break;
            }
        }
        Ok(())
    }

    fn src_addr(&self, insn: &Instruction) -> u32 {
        // Only the source honours a segment override; the default is ds.
        let seg = if insn.has_segment_prefix() {
            seg_index(insn.segment_prefix())
        } else {
            3
        };
        self.regs[6].wrapping_add(self.seg_base[seg])
    }

    fn dst_addr(&self) -> u32 {
        self.regs[7].wrapping_add(self.seg_base[0])
    }

    fn advance(&mut self, reg: usize, size: Size, count: u32) {
        let step = size.bytes().wrapping_mul(count);
        self.regs[reg] = if self.df() {
            self.regs[reg].wrapping_sub(step)
        } else {
            self.regs[reg].wrapping_add(step)
        };
    }

    /// One element; registers move only once its accesses succeeded.
    fn string_once(
        &mut self,
        mem: &mut AddressSpace,
        insn: &Instruction,
        kind: Kind,
        size: Size,
    ) -> Step {
        match kind {
            Kind::Movs => {
                let v = read_mem(mem, self.src_addr(insn), size)?;
                write_mem(mem, self.dst_addr(), size, v)?;
                self.advance(6, size, 1);
                self.advance(7, size, 1);
            }
            Kind::Stos => {
                write_mem(mem, self.dst_addr(), size, self.regs[0])?;
                self.advance(7, size, 1);
            }
            Kind::Lods => {
                let v = read_mem(mem, self.src_addr(insn), size)?;
                self.write_reg(0, 0, size, v);
                self.advance(6, size, 1);
            }
            Kind::Cmps => {
                let a = read_mem(mem, self.src_addr(insn), size)?;
                let b = read_mem(mem, self.dst_addr(), size)?;
                self.set_lazy(FlagOp::Sub, size, a, b, a.wrapping_sub(b));
                self.advance(6, size, 1);
                self.advance(7, size, 1);
            }
            Kind::Scas => {
                let a = self.read_reg(0, 0, size);
                let b = read_mem(mem, self.dst_addr(), size)?;
                self.set_lazy(FlagOp::Sub, size, a, b, a.wrapping_sub(b));
                self.advance(7, size, 1);
            }
        }
        Ok(())
    }

    /// Moves (or fills) as many whole elements as fit in the current pages
    /// of source and destination; false if not even one does (an element
    /// straddling a page boundary), leaving it to `string_once`.
    fn string_run(
        &mut self,
        mem: &mut AddressSpace,
        insn: &Instruction,
        kind: Kind,
        size: Size,
    ) -> Result<bool, tabvm_mem::Fault> {
        let room = |a: u32| (PAGE_SIZE - (a & (PAGE_SIZE - 1))) as usize;
        let (src, dst) = (self.src_addr(insn), self.dst_addr());
        // `ecx` is capped first so the byte count cannot overflow (wasm32).
        let count = (self.regs[1] as usize).min(RUN);
        let mut bytes = room(dst).min(count * size.bytes() as usize);
        if kind == Kind::Movs {
            bytes = bytes.min(room(src));
        }
        let elems = bytes / size.bytes() as usize;
        if elems < 2 {
            return Ok(false);
        }
        let bytes = elems * size.bytes() as usize;
        let mut buf = [0u8; RUN];
        let buf = &mut buf[..bytes];
        if kind == Kind::Movs {
            // Overlapping forward copies (memmove done wrong, or a pattern
            // fill like `rep movsb` with edi = esi + 1) must see their own
            // stores, so only copy in one go when the ranges are disjoint.
            if dst > src && dst - src < bytes as u32 {
                return Ok(false);
            }
            mem.read_bytes(src, buf)?;
        } else {
            let pattern = self.regs[0].to_le_bytes();
            for (i, b) in buf.iter_mut().enumerate() {
                *b = pattern[i % size.bytes() as usize];
            }
        }
        mem.write_bytes(dst, buf)?;
        let n = elems as u32;
        if kind == Kind::Movs {
            self.advance(6, size, n);
        }
        self.advance(7, size, n);
        self.regs[1] -= n;
        Ok(true)
    }
}

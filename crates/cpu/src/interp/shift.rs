//! Shifts and rotates: `shl sal shr sar rol ror rcl rcr`, `shld shrd`.
//!
//! The count is masked to 5 bits; a masked count of 0 changes nothing, not
//! even the flags. Shifts set CF (last bit out), OF (as for count 1; Intel
//! CPUs compute it the same way for larger counts) and SF ZF PF from the
//! result, AF cleared. Rotates change only CF and OF.

use iced_x86::{Instruction, Mnemonic as M};
use tabvm_mem::AddressSpace;

use crate::exec::Step;
use crate::flags::{CF, OF};
use crate::operand::{op_size, Size};
use crate::state::Cpu;

impl Cpu {
    pub(crate) fn shift(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let a = self.read(mem, dst, size)?;
        let count = self.read(mem, self.loc(insn, 1), Size::B)? & 31;
        if count == 0 {
            return Ok(());
        }
        let (n, sign) = (size.bits(), size.sign());
        let mnemonic = insn.mnemonic();
        if let M::Rol | M::Ror | M::Rcl | M::Rcr = mnemonic {
            let (res, cf, of) = match mnemonic {
                M::Rol => {
                    let res = rotate_left(a, count % n, n);
                    (res, res & 1 != 0, (res & sign != 0) != (res & 1 != 0))
                }
                M::Ror => {
                    let res = rotate_left(a, (n - count % n) % n, n);
                    (res, res & sign != 0, ((res ^ (res << 1)) & sign) != 0)
                }
                M::Rcl => {
                    // Rotate the (n+1)-bit value CF:a.
                    let wide = u64::from(a) | u64::from(self.cf()) << n;
                    let w = rotate_left_wide(wide, count % (n + 1), n + 1);
                    let (res, cf) = (w as u32 & size.mask(), w >> n & 1 != 0);
                    (res, cf, (res & sign != 0) != cf)
                }
                _ => {
                    let wide = u64::from(a) | u64::from(self.cf()) << n;
                    let c = count % (n + 1);
                    let w = rotate_left_wide(wide, (n + 1 - c) % (n + 1), n + 1);
                    let res = w as u32 & size.mask();
                    (res, w >> n & 1 != 0, ((res ^ (res << 1)) & sign) != 0)
                }
            };
            self.write(mem, dst, size, res)?;
            self.set_status(CF | OF, cf as u32 | (of as u32) << 11);
            return Ok(());
        }
        let (res, cf, of) = match mnemonic {
            M::Shl | M::Sal => {
                let wide = u64::from(a) << count;
                let res = wide as u32 & size.mask();
                let cf = wide >> n & 1 != 0;
                (res, cf, (res & sign != 0) != cf)
            }
            M::Shr => (a >> count, a >> (count - 1) & 1 != 0, a & sign != 0),
            _ => {
                let s = size.sext(a) as i32;
                (
                    (s >> count) as u32 & size.mask(),
                    (s >> (count - 1)) & 1 != 0,
                    false,
                )
            }
        };
        self.write(mem, dst, size, res)?;
        self.set_result_flags(size, res, cf, of);
        Ok(())
    }

    /// `shld`/`shrd dst, src, count`. For 16-bit operands with counts above
    /// 16 the bits come from the pattern dst:src:dst, as Intel CPUs do.
    pub(crate) fn shift_double(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        let size = op_size(insn, 0);
        let dst = self.loc(insn, 0);
        let a = self.read(mem, dst, size)?;
        let b = self.read(mem, self.loc(insn, 1), size)?;
        let count = self.read(mem, self.loc(insn, 2), Size::B)? & 31;
        if count == 0 {
            return Ok(());
        }
        let n = size.bits();
        let (a64, b64) = (u64::from(a), u64::from(b));
        let (res, cf) = if insn.mnemonic() == M::Shld {
            // Left-justify dst:src(:dst) in 64 bits and shift left.
            let mut w = a64 << (64 - n) | b64 << (64 - 2 * n);
            if n == 16 {
                w |= a64 << 16;
            }
            (
                (w << count >> (64 - n)) as u32,
                (w << (count - 1)) >> 63 != 0,
            )
        } else {
            // Right-justify (dst:)src:dst and shift right.
            let mut w = a64 | b64 << n;
            if n == 16 {
                w |= a64 << 32;
            }
            (
                (w >> count) as u32 & size.mask(),
                (w >> (count - 1)) & 1 != 0,
            )
        };
        let of = (res ^ a) & size.sign() != 0;
        self.write(mem, dst, size, res)?;
        self.set_result_flags(size, res, cf, of);
        Ok(())
    }
}

fn rotate_left(a: u32, c: u32, n: u32) -> u32 {
    rotate_left_wide(u64::from(a), c, n) as u32
}

/// Rotates the low `n` bits of `v` left by `c` (< n).
fn rotate_left_wide(v: u64, c: u32, n: u32) -> u64 {
    let mask = (1u64 << n) - 1;
    ((v << c) | (v >> ((n - c) % n))) & mask
}

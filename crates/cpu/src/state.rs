//! Architectural state of the i386 CPU as the kernel sees it.
//!
//! Public accessors are the contract with the kernel (signal frames, system
//! call arguments, `set_thread_area`); how flags are kept internally (lazily)
//! is the interpreter's business.

use crate::flags::Lazy;
use crate::x87::Fpu;

/// General-purpose registers in x86 encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reg {
    Eax = 0,
    Ecx,
    Edx,
    Ebx,
    Esp,
    Ebp,
    Esi,
    Edi,
}

/// Segment registers in x86 encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Segment {
    Es = 0,
    Cs,
    Ss,
    Ds,
    Fs,
    Gs,
}

/// A thread-local-storage GDT entry as `set_thread_area` installs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsDescriptor {
    pub base: u32,
    /// Limit in bytes minus one (already scaled by the granularity bit).
    pub limit: u32,
    pub present: bool,
}

/// Linux's flat user selectors (GDT entries 14 and 15, RPL 3).
pub const USER_CS: u16 = 0x73;
pub const USER_DS: u16 = 0x7b;
/// First GDT entry Linux gives to `set_thread_area`.
pub const TLS_FIRST_ENTRY: u32 = 6;

/// One CPU: registers, flags, segments, TLS descriptors.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct Cpu {
    pub regs: [u32; 8],
    pub eip: u32,
    /// EFLAGS; the status bits covered by `lazy` are stale (see `flags.rs`).
    pub(crate) flags: u32,
    pub(crate) lazy: Lazy,
    pub seg: [u16; 6],
    /// Segment bases by [`Segment`] index, then two spare entries that
    /// stay 0: the interpreter's hot path indexes with `& 7` and so needs no
    /// bounds check.
    pub seg_base: [u32; 8],
    /// GDT entries 6..=8 (`TLS_FIRST_ENTRY`…), owned by the kernel.
    pub tls: [TlsDescriptor; 3],
    pub fpu: Fpu,
    /// Instructions retired so far; `rdtsc` reads it.
    pub(crate) retired: u64,
}

impl Default for Cpu {
    fn default() -> Self {
        Self::new()
    }
}

impl Cpu {
    /// A CPU in Linux user mode: flat segments, interrupts enabled, zeroed
    /// registers.
    pub fn new() -> Self {
        Cpu {
            regs: [0; 8],
            eip: 0,
            flags: 0x202,
            lazy: Lazy::default(),
            seg: [USER_DS, USER_CS, USER_DS, USER_DS, 0, 0],
            seg_base: [0; 8],
            tls: [TlsDescriptor::default(); 3],
            fpu: Fpu::default(),
            retired: 0,
        }
    }

    /// Instructions retired so far (the kernel's CPU-time clocks and time
    /// slices count them).
    pub fn retired(&self) -> u64 {
        self.retired
    }

    #[inline]
    pub fn reg(&self, r: Reg) -> u32 {
        self.regs[r as usize]
    }

    #[inline]
    pub fn set_reg(&mut self, r: Reg, v: u32) {
        self.regs[r as usize] = v;
    }

    /// Loads a segment register as `mov sreg` would in user mode; `false` if
    /// the selector is invalid (#GP).
    pub fn load_segment(&mut self, s: Segment, selector: u16) -> bool {
        let base = match selector {
            0..=3 if !matches!(s, Segment::Cs | Segment::Ss) => Some(0),
            USER_CS if s == Segment::Cs => Some(0),
            USER_DS => Some(0),
            _ if selector & 4 == 0 && selector & 3 == 3 => {
                let entry = u32::from(selector >> 3);
                entry
                    .checked_sub(TLS_FIRST_ENTRY)
                    .and_then(|i| self.tls.get(i as usize))
                    .filter(|d| d.present)
                    .map(|d| d.base)
            }
            _ => None,
        };
        match base {
            Some(base) => {
                self.seg[s as usize] = selector;
                self.seg_base[s as usize] = base;
                true
            }
            None => false,
        }
    }
}

//! One guest address space: a two-level page table over shared frames.
//!
//! Every guest access goes through [`AddressSpace::read_u32`] and friends. The
//! fast path is two table lookups and a permission test; anything else — a page
//! never touched (demand zero), a write to a frame shared after `fork`
//! (copy-on-write), a write to a page holding translated code, a bad address —
//! goes to `populate`, the one slow path, which fixes the entry or returns a
//! [`Fault`].
//!
//! A page table entry caches its region's protection in "effective" form: on
//! x86 any mapped page is readable, so `R` is set whenever the region has any
//! of read, write or exec.

use std::rc::Rc;

use crate::arena::Arena;
use crate::fault::{Access, Fault, FaultKind};
use crate::region::{MapError, Prot, Region, Regions};
use crate::tlb::{Frame, Tlb};
use crate::{page_align_up, PAGE_SIZE};

const TABLE_ENTRIES: usize = 1024;
const R: u8 = 1;
const W: u8 = 2;
const X: u8 = 4;

/// Default top of the area `map_anywhere` hands out (Linux i386's mmap base
/// sits below the stack and its gap).
const DEFAULT_MMAP_TOP: u32 = 0xb800_0000;
/// Lowest address `map_anywhere` hands out.
const MMAP_FLOOR: u32 = 0x0001_0000;

#[derive(Clone, Default)]
struct Pte {
    frame: Option<Rc<Frame>>,
    /// Effective R/W/X bits; 0 while `frame` is `None`.
    prot: u8,
    /// The CPU cached decoded code from this page; a write must be reported.
    code: bool,
}

type Table = Box<[Pte]>;

/// A guest address space. Cheap to [`fork`](Self::fork): frames are shared
/// until written.
pub struct AddressSpace {
    /// Fast-path caches of the page table (see `tlb.rs`); every change to a
    /// page-table entry flushes what it affects.
    rtlb: Tlb,
    wtlb: Tlb,
    /// Where the frames and TLB tables live (see `arena.rs`).
    arena: Rc<Arena>,
    dir: Vec<Option<Table>>,
    regions: Regions,
    zero: Rc<Frame>,
    brk_start: u32,
    brk: u32,
    mmap_top: u32,
    dirty_code: Vec<u32>,
}

/// The frame of `addr` in `dir` if it can be written without slow-path work:
/// writable, not holding cached code, and not shared with another space.
/// A free function so callers can borrow other fields (the TLB) meanwhile.
#[inline(always)]
fn writable_frame(dir: &mut [Option<Table>], addr: u32) -> Option<&mut Frame> {
    let table = dir[(addr >> 22) as usize].as_mut()?;
    let pte = &mut table[((addr >> 12) & 1023) as usize];
    if pte.prot & W == 0 || pte.code {
        return None;
    }
    Rc::get_mut(pte.frame.as_mut()?)
}

impl Clone for AddressSpace {
    fn clone(&self) -> Self {
        self.fork()
    }
}

impl Default for AddressSpace {
    fn default() -> Self {
        Self::new()
    }
}

fn effective(prot: Prot) -> u8 {
    let mut bits = 0;
    if prot.bits() != 0 {
        bits |= R;
    }
    if prot.contains(Prot::WRITE) {
        bits |= W;
    }
    if prot.contains(Prot::EXEC) {
        bits |= X;
    }
    bits
}

fn need(access: Access) -> u8 {
    match access {
        Access::Read => R,
        Access::Write => W,
        Access::Exec => X,
    }
}

impl AddressSpace {
    pub fn new() -> Self {
        let arena = Arena::current();
        AddressSpace {
            rtlb: Tlb::new(&arena),
            wtlb: Tlb::new(&arena),
            zero: Rc::new(Frame::zeroed(&arena)),
            arena,
            dir: vec![None; TABLE_ENTRIES],
            regions: Regions::default(),
            brk_start: 0,
            brk: 0,
            mmap_top: DEFAULT_MMAP_TOP,
            dirty_code: Vec::new(),
        }
    }

    /// A copy-on-write child, as `fork` makes.
    pub fn fork(&self) -> Self {
        // Every frame becomes shared: writes must go through copy-on-write.
        self.wtlb.flush();
        AddressSpace {
            rtlb: Tlb::new(&self.arena),
            wtlb: Tlb::new(&self.arena),
            arena: Rc::clone(&self.arena),
            dir: self.dir.clone(),
            regions: self.regions.clone(),
            zero: Rc::clone(&self.zero),
            brk_start: self.brk_start,
            brk: self.brk,
            mmap_top: self.mmap_top,
            dirty_code: self.dirty_code.clone(),
        }
    }

    #[inline(always)]
    fn pte(&self, addr: u32) -> Option<&Pte> {
        self.dir[(addr >> 22) as usize]
            .as_ref()
            .map(|t| &t[((addr >> 12) & 1023) as usize])
    }

    #[inline(always)]
    fn pte_mut(&mut self, addr: u32) -> &mut Pte {
        let table = self.dir[(addr >> 22) as usize]
            .get_or_insert_with(|| vec![Pte::default(); TABLE_ENTRIES].into_boxed_slice());
        &mut table[((addr >> 12) & 1023) as usize]
    }

    /// The frame of `addr` if it is present and allows `bits`.
    #[inline(always)]
    fn present(&self, addr: u32, bits: u8) -> Option<&Frame> {
        let pte = self.pte(addr)?;
        if pte.prot & bits != bits {
            return None;
        }
        pte.frame.as_deref()
    }

    /// The frame of `addr` for writing, if that needs no slow-path work.
    #[inline(always)]
    fn present_mut(&mut self, addr: u32) -> Option<&mut Frame> {
        writable_frame(&mut self.dir, addr)
    }

    /// The slow path: makes `addr` accessible for `access` or says why not.
    fn populate(&mut self, addr: u32, access: Access) -> Result<(), Fault> {
        let fault = |kind| Fault { addr, access, kind };
        let region = self.regions.find(addr).ok_or(fault(FaultKind::Unmapped))?;
        let prot = effective(region.prot);
        if prot & need(access) == 0 {
            return Err(fault(FaultKind::Protection));
        }
        self.rtlb.flush_page(addr >> 12);
        self.wtlb.flush_page(addr >> 12);
        let zero = Rc::clone(&self.zero);
        let pte = self.pte_mut(addr);
        pte.prot = prot;
        let frame = pte.frame.get_or_insert(zero);
        if access == Access::Write {
            Rc::make_mut(frame);
            if pte.code {
                pte.code = false;
                self.dirty_code.push(addr >> 12);
            }
        }
        Ok(())
    }

    /// The fast path: a TLB hit. Everything else is out of line so the
    /// callers (every interpreter memory access) stay small.
    #[inline(always)]
    fn read_array<const N: usize>(&mut self, addr: u32) -> Result<[u8; N], Fault> {
        match self.rtlb.read(addr) {
            Some(bytes) => Ok(bytes),
            None => self.read_miss(addr),
        }
    }

    #[inline(always)]
    fn write_array<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        if self.wtlb.write(addr, bytes) {
            return Ok(());
        }
        self.write_miss(addr, bytes)
    }

    /// A TLB miss: walk the page table, refill the TLB, or take the slow path.
    #[cold]
    #[inline(never)]
    #[allow(unsafe_code, reason = "fills the TLB; see the SAFETY comment")]
    fn read_miss<const N: usize>(&mut self, addr: u32) -> Result<[u8; N], Fault> {
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if off + N <= PAGE_SIZE as usize {
            if let Some(f) = self.present(addr, R) {
                let mut out = [0; N];
                out.copy_from_slice(&f.bytes()[off..off + N]);
                // SAFETY: the entry is flushed whenever this page's entry
                // changes frame or loses read permission (`populate`, `poke`,
                // `flush`), and the frame lives as long as the entry holds it.
                unsafe { self.rtlb.fill(addr >> 12, f) };
                return Ok(out);
            }
        }
        let mut out = [0; N];
        self.read_bytes(addr, &mut out)?;
        Ok(out)
    }

    #[cold]
    #[inline(never)]
    #[allow(unsafe_code, reason = "fills the TLB; see the SAFETY comment")]
    fn write_miss<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        if off + N <= PAGE_SIZE as usize {
            if let Some(f) = writable_frame(&mut self.dir, addr) {
                f.bytes_mut()[off..off + N].copy_from_slice(&bytes);
                let f: &Frame = f;
                // SAFETY: `writable_frame` found the frame writable, not code
                // and unshared. `fork` flushes the write table before sharing
                // frames; `mark_code`, `populate`, `poke` and `flush` flush
                // what they change.
                unsafe { self.wtlb.fill(addr >> 12, f) };
                return Ok(());
            }
        }
        self.write_bytes(addr, &bytes)
    }

    /// The TLB-only half of a read: `None` on a TLB miss, when the caller
    /// takes the full path (`read_u32`…) instead. Lets an interpreter keep
    /// its fast path free of calls.
    #[inline(always)]
    pub fn read_hit<const N: usize>(&self, addr: u32) -> Option<[u8; N]> {
        self.rtlb.read(addr)
    }

    /// The TLB-only half of a write: `false` on a TLB miss, with nothing
    /// written. A hit never writes a page holding decoded code (those are
    /// never in the write TLB), so it leaves `has_dirty_code` as it was.
    #[inline(always)]
    pub fn write_hit<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> bool {
        self.wtlb.write(addr, bytes)
    }

    /// The arena holding this space's frames and TLB tables.
    pub fn arena(&self) -> &Rc<Arena> {
        &self.arena
    }

    /// Arena offsets of the read and the write TLB tables, for JIT code that
    /// walks them itself: its hits are exactly `read_hit`'s and
    /// `write_hit`'s, and on a miss it must return to a full access here.
    pub fn tlb_offsets(&self) -> (u32, u32) {
        (self.rtlb.offset(), self.wtlb.offset())
    }

    #[inline]
    pub fn read_u8(&mut self, addr: u32) -> Result<u8, Fault> {
        self.read_array::<1>(addr).map(|b| b[0])
    }
    #[inline]
    pub fn read_u16(&mut self, addr: u32) -> Result<u16, Fault> {
        self.read_array(addr).map(u16::from_le_bytes)
    }
    #[inline]
    pub fn read_u32(&mut self, addr: u32) -> Result<u32, Fault> {
        self.read_array(addr).map(u32::from_le_bytes)
    }
    #[inline]
    pub fn read_u64(&mut self, addr: u32) -> Result<u64, Fault> {
        self.read_array(addr).map(u64::from_le_bytes)
    }
    #[inline]
    pub fn write_u8(&mut self, addr: u32, v: u8) -> Result<(), Fault> {
        self.write_array(addr, [v])
    }
    #[inline]
    pub fn write_u16(&mut self, addr: u32, v: u16) -> Result<(), Fault> {
        self.write_array(addr, v.to_le_bytes())
    }
    #[inline]
    pub fn write_u32(&mut self, addr: u32, v: u32) -> Result<(), Fault> {
        self.write_array(addr, v.to_le_bytes())
    }
    #[inline]
    pub fn write_u64(&mut self, addr: u32, v: u64) -> Result<(), Fault> {
        self.write_array(addr, v.to_le_bytes())
    }

    /// Reads `buf.len()` bytes at `addr`. On a fault nothing useful is in `buf`
    /// and the fault names the first inaccessible byte.
    pub fn read_bytes(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), Fault> {
        self.copy_chunks(addr, buf.len(), Access::Read, |space, at, range| {
            let f = space.present(at, R).expect("populated");
            let off = (at & (PAGE_SIZE - 1)) as usize;
            buf[range.clone()].copy_from_slice(&f.bytes()[off..off + range.len()]);
        })
    }

    /// Writes `bytes` at `addr`. Every page is checked before any byte is
    /// written, so a faulting store changes nothing (precise faults).
    pub fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Fault> {
        self.copy_chunks(addr, bytes.len(), Access::Write, |_, _, _| {})?;
        self.copy_chunks(addr, bytes.len(), Access::Write, |space, at, range| {
            let f = space.present_mut(at).expect("populated for writing");
            let off = (at & (PAGE_SIZE - 1)) as usize;
            f.bytes_mut()[off..off + range.len()].copy_from_slice(&bytes[range]);
        })
    }

    /// Walks `[addr, addr+len)` page by page, making each piece accessible for
    /// `access` and handing it to `each` as (address, range within the buffer).
    fn copy_chunks(
        &mut self,
        addr: u32,
        len: usize,
        access: Access,
        mut each: impl FnMut(&mut Self, u32, std::ops::Range<usize>),
    ) -> Result<(), Fault> {
        let mut done = 0usize;
        while done < len {
            let at = addr.wrapping_add(done as u32);
            let room = (PAGE_SIZE - (at & (PAGE_SIZE - 1))) as usize;
            let n = room.min(len - done);
            let ok = match access {
                Access::Write => self.present_mut(at).is_some(),
                _ => self.present(at, need(access)).is_some(),
            };
            if !ok {
                self.populate(at, access)?;
            }
            each(self, at, done..done + n);
            done += n;
        }
        Ok(())
    }

    /// Reads instruction bytes at `addr` into `buf`, stopping at the first byte
    /// that is not executable. Returns how many bytes were read, or the fault
    /// if not even the first byte is executable.
    pub fn fetch(&mut self, addr: u32, buf: &mut [u8]) -> Result<usize, Fault> {
        let mut done = 0;
        while done < buf.len() {
            let at = addr.wrapping_add(done as u32);
            if self.present(at, X).is_none() {
                if let Err(fault) = self.populate(at, Access::Exec) {
                    return if done == 0 { Err(fault) } else { Ok(done) };
                }
            }
            let f = self.present(at, X).expect("populated");
            let off = (at & (PAGE_SIZE - 1)) as usize;
            let n = (PAGE_SIZE as usize - off).min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&f.bytes()[off..off + n]);
            done += n;
        }
        Ok(done)
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the NUL).
    /// `Ok(None)` if no NUL was found within `max` bytes.
    pub fn read_cstr(&mut self, addr: u32, max: usize) -> Result<Option<Vec<u8>>, Fault> {
        let mut out = Vec::new();
        while out.len() < max {
            let b = self.read_u8(addr.wrapping_add(out.len() as u32))?;
            if b == 0 {
                return Ok(Some(out));
            }
            out.push(b);
        }
        Ok(None)
    }

    /// Writes `bytes` at `addr` ignoring protection (the range must be mapped):
    /// for the loader and for populating file-backed private mappings.
    pub fn poke(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Fault> {
        let mut done = 0usize;
        while done < bytes.len() {
            let at = addr.wrapping_add(done as u32);
            let region = self.regions.find(at).ok_or(Fault {
                addr: at,
                access: Access::Write,
                kind: FaultKind::Unmapped,
            })?;
            let prot = effective(region.prot);
            let off = (at & (PAGE_SIZE - 1)) as usize;
            let n = (PAGE_SIZE as usize - off).min(bytes.len() - done);
            self.rtlb.flush_page(at >> 12);
            self.wtlb.flush_page(at >> 12);
            let zero = Rc::clone(&self.zero);
            let pte = self.pte_mut(at);
            pte.prot = prot;
            let frame = Rc::make_mut(pte.frame.get_or_insert(zero));
            frame.bytes_mut()[off..off + n].copy_from_slice(&bytes[done..done + n]);
            if pte.code {
                pte.code = false;
                self.dirty_code.push(at >> 12);
            }
            done += n;
        }
        Ok(())
    }

    /// Notes that the CPU cached decoded code from the page of `addr`; a later
    /// write to it will be reported by [`take_dirty_code`](Self::take_dirty_code).
    pub fn mark_code(&mut self, addr: u32) {
        if self.pte(addr).is_some_and(|p| p.frame.is_some()) {
            self.pte_mut(addr).code = true;
            self.wtlb.flush_page(addr >> 12);
        }
    }

    /// True if some page marked as code has been written (or unmapped) since the
    /// last [`take_dirty_code`](Self::take_dirty_code).
    #[inline]
    pub fn has_dirty_code(&self) -> bool {
        !self.dirty_code.is_empty()
    }

    /// Page numbers of code pages written or unmapped since the last call.
    pub fn take_dirty_code(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.dirty_code)
    }

    /// Drops page-table entries of `[start, end)` so they are rebuilt from the
    /// regions on next access, reporting code pages among them.
    fn flush(&mut self, start: u32, end: u32, keep_frames: bool) {
        self.rtlb.flush();
        self.wtlb.flush();
        let mut at = start;
        while at < end && at >= start {
            if let Some(table) = self.dir[(at >> 22) as usize].as_mut() {
                let pte = &mut table[((at >> 12) & 1023) as usize];
                if pte.code {
                    self.dirty_code.push(at >> 12);
                }
                if keep_frames {
                    pte.prot = 0;
                    pte.code = false;
                } else {
                    *pte = Pte::default();
                }
            }
            at = at.wrapping_add(PAGE_SIZE);
        }
    }

    fn check_range(start: u32, len: u32) -> Result<u32, MapError> {
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(MapError::Invalid);
        }
        start
            .checked_add(page_align_up(len))
            .filter(|&e| e >= start)
            .ok_or(MapError::Invalid)
    }

    /// Maps `[start, start+len)` with fresh zero pages, replacing any mapping
    /// there (`MAP_FIXED`).
    pub fn map_fixed(
        &mut self,
        start: u32,
        len: u32,
        prot: Prot,
        name: &str,
    ) -> Result<(), MapError> {
        let end = Self::check_range(start, len)?;
        self.flush(start, end, false);
        self.regions.insert(Region {
            start,
            end,
            prot,
            name: name.to_owned(),
        });
        Ok(())
    }

    /// Maps `len` bytes of zero pages at a free address chosen top-down below
    /// the mmap base, leaving a one-page gap after existing mappings.
    pub fn map_anywhere(&mut self, len: u32, prot: Prot, name: &str) -> Result<u32, MapError> {
        if len == 0 {
            return Err(MapError::Invalid);
        }
        let len = page_align_up(len);
        let start = self
            .regions
            .find_free(len, MMAP_FLOOR, self.mmap_top, 0)
            .ok_or(MapError::NoMemory)?;
        self.map_fixed(start, len, prot, name)?;
        Ok(start)
    }

    /// True if no page of `[start, start+len)` is mapped.
    pub fn is_free(&self, start: u32, len: u32) -> bool {
        start
            .checked_add(len)
            .is_some_and(|end| self.regions.is_free(start, end))
    }

    /// Sets the address below which `map_anywhere` places mappings.
    pub fn set_mmap_top(&mut self, top: u32) {
        self.mmap_top = top;
    }

    /// Unmaps `[start, start+len)`; unmapped parts are ignored, as in Linux.
    pub fn unmap(&mut self, start: u32, len: u32) -> Result<(), MapError> {
        let end = Self::check_range(start, len)?;
        self.flush(start, end, false);
        self.regions.remove(start, end);
        Ok(())
    }

    /// Changes protection of `[start, start+len)`, which must be fully mapped.
    pub fn protect(&mut self, start: u32, len: u32, prot: Prot) -> Result<(), MapError> {
        let end = Self::check_range(start, len)?;
        self.regions.protect(start, end, prot)?;
        self.flush(start, end, true);
        Ok(())
    }

    /// Drops the pages of `[start, start+len)` so they read as zero again
    /// (`madvise(MADV_DONTNEED)` on private memory). Mappings are kept.
    pub fn discard(&mut self, start: u32, len: u32) -> Result<(), MapError> {
        let end = Self::check_range(start, len)?;
        self.flush(start, end, false);
        Ok(())
    }

    /// Whether `addr` has a page in memory: what x86 reports as the
    /// "present" bit of a page-fault error code (a page never touched, or
    /// just discarded, is not present).
    pub fn is_resident(&self, addr: u32) -> bool {
        self.pte(addr).is_some_and(|p| p.frame.is_some())
    }

    /// How many pages of `[start, end)` hold a frame of their own (not the
    /// shared zero page): the resident set `/proc` reports.
    pub fn resident_pages(&self, start: u32, end: u32) -> u32 {
        let mut count = 0;
        let mut at = u64::from(start & !(PAGE_SIZE - 1));
        while at < u64::from(end) {
            let Some(table) = &self.dir[(at >> 22) as usize] else {
                // A missing table: skip its 4 MiB.
                at = (at | 0x3f_ffff) + 1;
                continue;
            };
            let frame = table[((at >> 12) & 1023) as usize].frame.as_ref();
            if frame.is_some_and(|f| !Rc::ptr_eq(f, &self.zero)) {
                count += 1;
            }
            at += u64::from(PAGE_SIZE);
        }
        count
    }

    /// The mapping containing `addr`, if any.
    pub fn region(&self, addr: u32) -> Option<&Region> {
        self.regions.find(addr)
    }

    /// All mappings in address order, for `/proc/<pid>/maps`.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter()
    }

    /// Sets where the heap starts (end of the loaded image).
    pub fn set_brk_base(&mut self, addr: u32) {
        self.brk_start = addr;
        self.brk = addr;
    }

    /// Implements the heap part of brk(2): moves the break to `new` if possible
    /// and returns the break in force afterwards.
    pub fn brk(&mut self, new: u32) -> u32 {
        if new < self.brk_start {
            return self.brk;
        }
        let old_top = page_align_up(self.brk);
        let new_top = page_align_up(new);
        if new_top > old_top {
            if !self.is_free(old_top, new_top - old_top) || new_top > self.mmap_top {
                return self.brk;
            }
            let _ = self.map_fixed(
                old_top,
                new_top - old_top,
                Prot::READ | Prot::WRITE,
                "[heap]",
            );
        } else if new_top < old_top {
            let _ = self.unmap(new_top, old_top - new_top);
        }
        self.brk = new;
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discard_makes_pages_demand_zero_again() {
        let mut s = AddressSpace::new();
        s.map_fixed(0x1000, 0x3000, Prot::READ | Prot::WRITE, "")
            .unwrap();
        assert!(!s.is_resident(0x1000));
        s.write_u32(0x1000, 7).unwrap();
        s.write_u32(0x2000, 8).unwrap();
        let child = s.fork();
        assert!(s.is_resident(0x1000));
        s.discard(0x1000, 0x1000).unwrap();
        assert!(!s.is_resident(0x1000));
        assert_eq!(s.read_u32(0x1000), Ok(0));
        assert_eq!(s.read_u32(0x2000), Ok(8));
        // A forked copy keeps its own pages.
        assert_eq!(child.clone().read_u32(0x1000), Ok(7));
        assert_eq!(s.discard(0x1001, 0x1000), Err(MapError::Invalid));
    }

    #[test]
    fn cached_translations_follow_every_page_table_change() {
        let mut mm = AddressSpace::new();
        mm.map_fixed(0x1000, 0x1000, Prot::READ | Prot::WRITE | Prot::EXEC, "rwx")
            .unwrap();
        // The shared zero frame is cached for reads, then replaced by a write.
        assert_eq!(mm.read_u32(0x1000), Ok(0));
        mm.write_u32(0x1000, 1).unwrap();
        assert_eq!(mm.read_u32(0x1000), Ok(1));
        // After fork both sides copy on write despite their cached entries.
        let mut child = mm.fork();
        mm.write_u32(0x1000, 2).unwrap();
        child.write_u32(0x1004, 3).unwrap();
        assert_eq!((mm.read_u32(0x1000), mm.read_u32(0x1004)), (Ok(2), Ok(0)));
        assert_eq!(
            (child.read_u32(0x1000), child.read_u32(0x1004)),
            (Ok(1), Ok(3))
        );
        // A page that became code reports the next write.
        mm.mark_code(0x1000);
        mm.write_u8(0x1008, 0x90).unwrap();
        assert_eq!(mm.take_dirty_code(), [1]);
        // Lost permissions and mappings are seen at once.
        mm.protect(0x1000, 0x1000, Prot::READ).unwrap();
        assert_eq!(
            mm.write_u8(0x1000, 0).unwrap_err().kind,
            FaultKind::Protection
        );
        assert_eq!(mm.read_u32(0x1000), Ok(2));
        mm.unmap(0x1000, 0x1000).unwrap();
        assert_eq!(mm.read_u32(0x1000).unwrap_err().kind, FaultKind::Unmapped);
    }

    #[test]
    fn unmapped_and_protection_faults() {
        let mut mm = AddressSpace::new();
        assert_eq!(
            mm.read_u32(0x1000),
            Err(Fault {
                addr: 0x1000,
                access: Access::Read,
                kind: FaultKind::Unmapped
            })
        );
        mm.map_fixed(0x1000, 0x1000, Prot::READ, "ro").unwrap();
        assert_eq!(mm.read_u32(0x1ffc), Ok(0));
        assert_eq!(
            mm.write_u8(0x1000, 1).unwrap_err().kind,
            FaultKind::Protection
        );
        // A load straddling into an unmapped page faults at the first missing byte.
        assert_eq!(mm.read_u32(0x1ffe).unwrap_err().addr, 0x2000);
    }

    #[test]
    fn split_store_is_all_or_nothing() {
        let mut mm = AddressSpace::new();
        mm.map_fixed(0x1000, 0x1000, Prot::READ | Prot::WRITE, "rw")
            .unwrap();
        mm.map_fixed(0x2000, 0x1000, Prot::READ, "ro").unwrap();
        assert!(mm.write_u32(0x1ffe, 0xffff_ffff).is_err());
        assert_eq!(mm.read_u16(0x1ffe), Ok(0));
    }

    #[test]
    fn fork_is_copy_on_write_both_ways() {
        let mut parent = AddressSpace::new();
        parent
            .map_fixed(0x1000, 0x1000, Prot::READ | Prot::WRITE, "rw")
            .unwrap();
        parent.write_u32(0x1000, 1).unwrap();
        let mut child = parent.fork();
        child.write_u32(0x1000, 2).unwrap();
        parent.write_u32(0x1004, 3).unwrap();
        assert_eq!(
            (parent.read_u32(0x1000), child.read_u32(0x1000)),
            (Ok(1), Ok(2))
        );
        assert_eq!(child.read_u32(0x1004), Ok(0));
    }

    #[test]
    fn mprotect_and_munmap_take_effect_on_present_pages() {
        let mut mm = AddressSpace::new();
        mm.map_fixed(0x1000, 0x2000, Prot::READ | Prot::WRITE, "rw")
            .unwrap();
        mm.write_u8(0x1000, 5).unwrap();
        mm.protect(0x1000, 0x1000, Prot::READ).unwrap();
        assert!(mm.write_u8(0x1000, 6).is_err());
        assert_eq!(mm.read_u8(0x1000), Ok(5));
        mm.unmap(0x1000, 0x1000).unwrap();
        assert_eq!(mm.read_u8(0x1000).unwrap_err().kind, FaultKind::Unmapped);
        assert_eq!(
            mm.protect(0x1000, 0x2000, Prot::READ),
            Err(MapError::NoMemory)
        );
    }

    #[test]
    fn writes_to_code_pages_are_reported() {
        let mut mm = AddressSpace::new();
        mm.map_fixed(0x1000, 0x1000, Prot::READ | Prot::WRITE | Prot::EXEC, "rwx")
            .unwrap();
        let mut insn = [0; 4];
        assert_eq!(mm.fetch(0x1000, &mut insn), Ok(4));
        mm.mark_code(0x1000);
        mm.write_u8(0x1800, 0x90).unwrap();
        assert_eq!(mm.take_dirty_code(), [1]);
        assert!(!mm.has_dirty_code());
    }

    #[test]
    fn fetch_stops_at_non_executable_page() {
        let mut mm = AddressSpace::new();
        mm.map_fixed(0x1000, 0x1000, Prot::READ | Prot::EXEC, "text")
            .unwrap();
        mm.map_fixed(0x2000, 0x1000, Prot::READ, "data").unwrap();
        let mut buf = [0; 15];
        assert_eq!(mm.fetch(0x1ffc, &mut buf), Ok(4));
        assert_eq!(
            mm.fetch(0x2000, &mut buf).unwrap_err().kind,
            FaultKind::Protection
        );
    }

    #[test]
    fn brk_grows_and_shrinks() {
        let mut mm = AddressSpace::new();
        mm.set_brk_base(0x0805_1234);
        assert_eq!(mm.brk(0), 0x0805_1234);
        assert_eq!(mm.brk(0x0806_0000), 0x0806_0000);
        mm.write_u8(0x0805_fff0, 1).unwrap();
        assert_eq!(mm.brk(0x0805_2000), 0x0805_2000);
        assert!(mm.read_u8(0x0805_fff0).is_err());
    }
}

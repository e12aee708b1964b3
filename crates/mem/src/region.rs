//! Mapping regions: the address ranges `mmap`, the ELF loader and `brk` created,
//! each with one protection and a name for `/proc/<pid>/maps`.
//!
//! Regions never overlap; operations on part of a region split it. The page
//! table in `space.rs` is populated lazily from these regions.

use std::collections::BTreeMap;
use std::ops::{BitOr, BitOrAssign};

/// Page protection bits, as in `PROT_READ | PROT_WRITE | PROT_EXEC`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Prot(u8);

impl Prot {
    pub const NONE: Prot = Prot(0);
    pub const READ: Prot = Prot(1);
    pub const WRITE: Prot = Prot(2);
    pub const EXEC: Prot = Prot(4);

    /// From Linux `PROT_*` bits; unknown bits are the caller's to reject.
    pub fn from_linux(bits: u32) -> Prot {
        Prot((bits & 7) as u8)
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn contains(self, other: Prot) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Prot {
    type Output = Prot;
    fn bitor(self, rhs: Prot) -> Prot {
        Prot(self.0 | rhs.0)
    }
}

impl BitOrAssign for Prot {
    fn bitor_assign(&mut self, rhs: Prot) {
        self.0 |= rhs.0;
    }
}

/// One mapping: `[start, end)`, page aligned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u32,
    /// Exclusive end; 0 would mean 4 GiB but the top page is never mapped.
    pub end: u32,
    pub prot: Prot,
    /// Shown in `/proc/<pid>/maps`: a path, `[heap]`, `[stack]` or empty.
    pub name: String,
}

/// Why a mapping operation failed; the kernel turns these into errno values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Bad input: unaligned or empty range, or one that wraps (`EINVAL`).
    Invalid,
    /// Limit: no free range is large enough, or part of the range is not mapped
    /// (`ENOMEM`).
    NoMemory,
}

/// The set of regions of one address space.
#[derive(Clone, Debug, Default)]
pub(crate) struct Regions {
    by_start: BTreeMap<u32, Region>,
}

impl Regions {
    pub fn find(&self, addr: u32) -> Option<&Region> {
        self.by_start
            .range(..=addr)
            .next_back()
            .map(|(_, r)| r)
            .filter(|r| addr < r.end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.by_start.values()
    }

    /// Splits the region containing `at` (if any) so that a region boundary
    /// falls on `at`.
    fn split_at(&mut self, at: u32) {
        let Some(r) = self.find(at).cloned() else {
            return;
        };
        if r.start == at {
            return;
        }
        let tail = Region {
            start: at,
            ..r.clone()
        };
        self.by_start.insert(r.start, Region { end: at, ..r });
        self.by_start.insert(at, tail);
    }

    /// Removes every mapping in `[start, end)`.
    pub fn remove(&mut self, start: u32, end: u32) {
        self.split_at(start);
        self.split_at(end);
        let doomed: Vec<u32> = self.by_start.range(start..end).map(|(&s, _)| s).collect();
        for s in doomed {
            self.by_start.remove(&s);
        }
    }

    /// Maps `[start, end)`, replacing whatever was there.
    pub fn insert(&mut self, region: Region) {
        self.remove(region.start, region.end);
        self.by_start.insert(region.start, region);
    }

    /// True if every page of `[start, end)` is mapped.
    pub fn covers(&self, start: u32, end: u32) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some(r) => at = r.end,
                None => return false,
            }
        }
        true
    }

    /// True if no page of `[start, end)` is mapped.
    pub fn is_free(&self, start: u32, end: u32) -> bool {
        self.find(start).is_none() && self.by_start.range(start..end).next().is_none()
    }

    /// Changes the protection of `[start, end)`, which must be fully mapped.
    pub fn protect(&mut self, start: u32, end: u32, prot: Prot) -> Result<(), MapError> {
        if !self.covers(start, end) {
            return Err(MapError::NoMemory);
        }
        self.split_at(start);
        self.split_at(end);
        for (_, r) in self.by_start.range_mut(start..end) {
            r.prot = prot;
        }
        Ok(())
    }

    /// Highest free range of `len` bytes that ends at or below `below` and
    /// starts at or above `above`, leaving `gap` bytes free on both sides.
    pub fn find_free(&self, len: u32, above: u32, below: u32, gap: u32) -> Option<u32> {
        let mut hi = below;
        let mut hi_gap = 0;
        let mut lower = self.by_start.range(..below).rev().map(|(_, r)| r);
        loop {
            let next = lower.next();
            let (lo, lo_gap) = match next {
                Some(r) if r.end > above => (r.end, gap),
                _ => (above, 0),
            };
            let start = hi.checked_sub(hi_gap).and_then(|h| h.checked_sub(len));
            if let (Some(start), Some(floor)) = (start, lo.checked_add(lo_gap)) {
                if start >= floor {
                    return Some(start);
                }
            }
            let r = next?;
            if r.start <= above {
                return None;
            }
            hi = r.start;
            hi_gap = gap;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u32, end: u32) -> Region {
        Region {
            start,
            end,
            prot: Prot::READ,
            name: String::new(),
        }
    }

    #[test]
    fn insert_splits_and_replaces() {
        let mut rs = Regions::default();
        rs.insert(region(0x1000, 0x5000));
        rs.insert(Region {
            prot: Prot::WRITE,
            ..region(0x2000, 0x3000)
        });
        let got: Vec<_> = rs.iter().map(|r| (r.start, r.end, r.prot)).collect();
        assert_eq!(
            got,
            [
                (0x1000, 0x2000, Prot::READ),
                (0x2000, 0x3000, Prot::WRITE),
                (0x3000, 0x5000, Prot::READ)
            ]
        );
    }

    #[test]
    fn protect_needs_full_coverage() {
        let mut rs = Regions::default();
        rs.insert(region(0x1000, 0x2000));
        rs.insert(region(0x3000, 0x4000));
        assert_eq!(
            rs.protect(0x1000, 0x4000, Prot::NONE),
            Err(MapError::NoMemory)
        );
        assert_eq!(rs.protect(0x1000, 0x2000, Prot::NONE), Ok(()));
    }

    #[test]
    fn find_free_goes_top_down_and_keeps_gaps() {
        let mut rs = Regions::default();
        assert_eq!(rs.find_free(0x1000, 0x1000, 0x10000, 0), Some(0xf000));
        rs.insert(region(0xf000, 0x10000));
        assert_eq!(rs.find_free(0x1000, 0x1000, 0x10000, 0), Some(0xe000));
        assert_eq!(rs.find_free(0x1000, 0x1000, 0x10000, 0x1000), Some(0xd000));
        assert_eq!(rs.find_free(0x10000, 0x1000, 0x10000, 0), None);
    }
}

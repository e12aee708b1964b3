//! Advisory file locks: whole-file `flock` locks owned by an open file
//! description, and byte-range record locks (`fcntl`) owned by a process
//! (POSIX locks) or by a description (`F_OFD_*` locks). All are keyed by
//! the node (`Loc`).
//!
//! A description's locks live as long as it does: it holds a [`LockGuard`]
//! that drops them at the last close. POSIX record locks go when their
//! process closes any descriptor of the file or exits (callers pass the
//! live processes to [`Locks::forget_dead`]). Nothing here waits: a
//! conflict is reported and the caller parks (DESIGN rule 1).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::Loc;
use crate::Pid;

pub(crate) type LocksRef = Rc<RefCell<Locks>>;

/// The end of a range that reaches end of file, whatever its length.
pub(crate) const TO_EOF: u64 = u64::MAX;

/// Who holds a record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Process(Pid),
    /// An open file description, by address (`F_OFD_*` locks).
    Description(usize),
}

/// One record lock: `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub owner: Owner,
    pub write: bool,
    pub start: u64,
    pub end: u64,
}

impl Record {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start < end && start < self.end
    }
}

#[derive(Default)]
pub(crate) struct Locks {
    /// `flock` holders per node: (description id, exclusive).
    flocks: HashMap<Loc, Vec<(usize, bool)>>,
    records: HashMap<Loc, Vec<Record>>,
}

/// Someone else holds a conflicting lock.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Conflict;

impl Locks {
    /// Takes a shared or exclusive `flock` lock for description `owner`.
    /// Like Linux, converting an existing lock drops it first, so a failed
    /// conversion leaves none.
    pub fn flock(&mut self, loc: Loc, owner: usize, exclusive: bool) -> Result<(), Conflict> {
        let holders = self.flocks.entry(loc).or_default();
        if let Some(i) = holders.iter().position(|h| h.0 == owner) {
            if holders[i].1 == exclusive {
                return Ok(());
            }
            holders.remove(i);
        }
        if holders.iter().any(|h| exclusive || h.1) {
            return Err(Conflict);
        }
        holders.push((owner, exclusive));
        Ok(())
    }

    pub fn unflock(&mut self, loc: Loc, owner: usize) {
        if let Some(holders) = self.flocks.get_mut(&loc) {
            holders.retain(|h| h.0 != owner);
            if holders.is_empty() {
                self.flocks.remove(&loc);
            }
        }
    }

    /// The first record lock of another owner that conflicts with a
    /// `write` (or read) lock of `[start, end)` by `owner` (`F_GETLK`).
    pub fn conflict(
        &self,
        loc: Loc,
        owner: Owner,
        write: bool,
        start: u64,
        end: u64,
    ) -> Option<Record> {
        self.records
            .get(&loc)?
            .iter()
            .copied()
            .find(|r| r.owner != owner && (write || r.write) && r.overlaps(start, end))
    }

    /// Sets (`Some(write)`) or removes (`None`) `owner`'s lock on
    /// `[start, end)`, splitting and merging its other locks as Linux does.
    pub fn set(
        &mut self,
        loc: Loc,
        owner: Owner,
        kind: Option<bool>,
        start: u64,
        end: u64,
    ) -> Result<(), Conflict> {
        if let Some(write) = kind {
            if self.conflict(loc, owner, write, start, end).is_some() {
                return Err(Conflict);
            }
        }
        let list = self.records.entry(loc).or_default();
        let mut kept = Vec::with_capacity(list.len() + 2);
        let (mut start, mut end) = (start, end);
        for r in list.drain(..) {
            if r.owner != owner {
                kept.push(r);
                continue;
            }
            let touches = r.start <= end && start <= r.end;
            if kind == Some(r.write) && touches {
                // Same type, overlapping or adjacent: absorb it.
                start = start.min(r.start);
                end = end.max(r.end);
                continue;
            }
            if !r.overlaps(start, end) {
                kept.push(r);
                continue;
            }
            // Keep the parts outside the new range.
            if r.start < start {
                kept.push(Record { end: start, ..r });
            }
            if r.end > end {
                kept.push(Record { start: end, ..r });
            }
        }
        if let Some(write) = kind {
            kept.push(Record {
                owner,
                write,
                start,
                end,
            });
        }
        kept.sort_by_key(|r| r.start);
        if kept.is_empty() {
            self.records.remove(&loc);
        } else {
            *list = kept;
        }
        Ok(())
    }

    /// Drops every record lock of `owner` on `loc` (a process closed a
    /// descriptor of it, or a description closed).
    pub fn release(&mut self, loc: Loc, owner: Owner) {
        if let Some(list) = self.records.get_mut(&loc) {
            list.retain(|r| r.owner != owner);
            if list.is_empty() {
                self.records.remove(&loc);
            }
        }
    }

    /// Drops the record locks of processes that no longer exist.
    pub fn forget_dead(&mut self, alive: impl Fn(Pid) -> bool) {
        self.records.retain(|_, list| {
            list.retain(|r| match r.owner {
                Owner::Process(pid) => alive(pid),
                Owner::Description(_) => true,
            });
            !list.is_empty()
        });
    }
}

/// A description's `flock` and `F_OFD_*` locks, released when it closes.
pub(crate) struct LockGuard {
    pub locks: LocksRef,
    pub loc: Loc,
    /// The description's address.
    pub owner: usize,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Ok(mut l) = self.locks.try_borrow_mut() {
            l.unflock(self.loc, self.owner);
            l.release(self.loc, Owner::Description(self.owner));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Loc = Loc { mnt: 0, ino: 7 };

    #[test]
    fn flock_shared_exclusive_and_conversion() {
        let mut l = Locks::default();
        assert_eq!(l.flock(F, 1, false), Ok(()));
        assert_eq!(l.flock(F, 2, false), Ok(()));
        assert_eq!(l.flock(F, 3, true), Err(Conflict));
        // A conversion that fails loses the old lock, as on Linux.
        assert_eq!(l.flock(F, 1, true), Err(Conflict));
        l.unflock(F, 2);
        assert_eq!(l.flock(F, 3, true), Ok(()));
        assert_eq!(l.flock(F, 1, false), Err(Conflict));
    }

    #[test]
    fn description_locks_conflict_with_process_locks() {
        let mut l = Locks::default();
        let (d1, d2) = (Owner::Description(0x10), Owner::Description(0x20));
        l.set(F, d1, Some(true), 0, 10).unwrap();
        assert_eq!(l.set(F, d2, Some(false), 5, 6), Err(Conflict));
        assert_eq!(
            l.set(F, Owner::Process(1), Some(false), 5, 6),
            Err(Conflict)
        );
        l.forget_dead(|_| false);
        l.release(F, d1);
        assert_eq!(l.set(F, d2, Some(false), 5, 6), Ok(()));
    }

    #[test]
    fn records_split_merge_and_conflict() {
        let mut l = Locks::default();
        let p = Owner::Process;
        l.set(F, p(1), Some(true), 0, 100).unwrap();
        l.set(F, p(1), None, 40, 60).unwrap();
        assert_eq!(l.conflict(F, p(2), false, 50, 55), None);
        assert_eq!(
            l.conflict(F, p(2), false, 30, 45).map(|r| (r.start, r.end)),
            Some((0, 40))
        );
        l.set(F, p(2), Some(false), 45, 55).unwrap();
        assert_eq!(l.set(F, p(2), Some(false), 50, 70), Err(Conflict));
        l.set(F, p(1), Some(true), 40, 45).unwrap();
        assert_eq!(
            l.conflict(F, p(2), true, 0, 1).map(|r| (r.start, r.end)),
            Some((0, 45))
        );
        l.set(F, p(3), Some(false), 200, TO_EOF).unwrap();
        assert!(l.conflict(F, p(1), true, 1000, 1001).is_some());
        l.forget_dead(|p| p != 3);
        assert!(l.conflict(F, p(1), true, 1000, 1001).is_none());
        l.release(F, p(1));
        assert_eq!(
            l.conflict(F, p(9), true, 0, TO_EOF).map(|r| r.owner),
            Some(p(2))
        );
    }
}

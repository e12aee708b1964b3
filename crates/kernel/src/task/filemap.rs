//! Which file each file-backed mapping came from — so pages dropped by
//! `madvise(MADV_DONTNEED)` can be read from the file again, as Linux does —
//! and how `MAP_SHARED` file mappings stay coherent with their file.
//!
//! A record holds the open file description (a mapping keeps its file alive,
//! even unlinked, like Linux) and the file offset of its first byte.
//! Unmapping or replacing part of a mapping trims its record.
//!
//! There is no page cache: a shared mapping is private pages kept in step
//! with the file, the way `shared.rs` keeps anonymous shared ranges in step
//! between processes. When a task's turn ends, and before a system call
//! that may look at file data (`read`, `mmap`, `msync`, `execve`…), each
//! writable shared mapping *publishes*: the pages that changed since the
//! last exchange are written to the file and the file's share version is
//! bumped. Before a task's turn, each shared mapping whose file version
//! moved *adopts* the file's bytes. Every process therefore sees every
//! write made through a mapping before it was scheduled, and `read` sees
//! the mapping's writes at once. A system call that writes or truncates a
//! mapped file bumps its version too, and the caller adopts at once.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use tabvm_mem::{AddressSpace, PAGE_SIZE};

use crate::vfs::{read_mapped, FileRef};

/// One file-backed mapping `[start, end)` showing the file from `offset`.
#[derive(Clone)]
pub(crate) struct FileMap {
    pub start: u32,
    pub end: u32,
    pub offset: u64,
    pub file: FileRef,
    /// Set for `MAP_SHARED` mappings.
    pub share: Option<Share>,
}

/// The coherence state of one shared mapping.
#[derive(Clone)]
pub(crate) struct Share {
    /// The file's share version (see [`Shares`]).
    version: Rc<Cell<u64>>,
    /// The version this mapping holds.
    seen: u64,
    /// For writable mappings, the bytes last exchanged with the file, to
    /// find the pages the guest changed.
    last: Option<Vec<u8>>,
}

/// The share version of every file mapped shared, by (`st_dev`, inode).
#[derive(Default)]
pub(crate) struct Shares(HashMap<(u64, u64), Weak<Cell<u64>>>);

impl Shares {
    /// The coherence state for a new shared mapping of the file `key` whose
    /// pages now hold `bytes`; `writable` mappings keep a copy.
    pub fn share(&mut self, key: (u64, u64), bytes: Option<Vec<u8>>) -> Share {
        self.0.retain(|_, v| v.strong_count() > 0);
        let version = match self.0.get(&key).and_then(Weak::upgrade) {
            Some(v) => v,
            None => {
                let v = Rc::new(Cell::new(0));
                self.0.insert(key, Rc::downgrade(&v));
                v
            }
        };
        Share {
            seen: version.get(),
            version,
            last: bytes,
        }
    }
}

impl Shares {
    /// Notes that the file `key` (or, for `None`, any file) was written
    /// other than through a mapping, so its mappings re-read it.
    pub fn written(&mut self, key: Option<(u64, u64)>) {
        for (k, v) in &self.0 {
            if let Some(v) = v.upgrade().filter(|_| key.is_none_or(|key| key == *k)) {
                v.set(v.get() + 1);
            }
        }
    }

    /// True when no file is mapped shared (nothing to keep coherent).
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| v.strong_count() == 0)
    }
}

impl FileMap {
    /// The part of `[start, end)` this mapping covers, with the file offset
    /// of its first byte.
    pub fn overlap(&self, start: u32, end: u32) -> Option<(u32, u32, u64)> {
        let (s, e) = (start.max(self.start), end.min(self.end));
        (s < e).then(|| (s, e, self.offset + u64::from(s - self.start)))
    }

    /// The sub-mapping `[start, end)` of this one (which must contain it).
    fn slice(&self, start: u32, end: u32) -> FileMap {
        let mut m = self.clone();
        if let Some(last) = m.share.as_mut().and_then(|s| s.last.as_mut()) {
            *last = last[(start - self.start) as usize..(end - self.start) as usize].to_vec();
        }
        m.start = start;
        m.end = end;
        m.offset = self.offset + u64::from(start - self.start);
        m
    }
}

/// Removes `[start, end)` from the records, keeping what lies either side.
pub(crate) fn cut(maps: &mut Vec<FileMap>, start: u32, end: u32) {
    let mut kept = Vec::with_capacity(maps.len());
    for m in maps.drain(..) {
        if m.overlap(start, end).is_none() {
            kept.push(m);
            continue;
        }
        if m.start < start {
            kept.push(m.slice(m.start, start));
        }
        if end < m.end {
            kept.push(m.slice(end, m.end));
        }
    }
    *maps = kept;
}

/// Removes and returns the records of `[start, end)` (trimmed to it).
pub(crate) fn take(maps: &mut Vec<FileMap>, start: u32, end: u32) -> Vec<FileMap> {
    let inside = maps
        .iter()
        .filter_map(|m| {
            let (s, e, _) = m.overlap(start, end)?;
            Some(m.slice(s, e))
        })
        .collect();
    cut(maps, start, end);
    inside
}

impl FileMap {
    /// This record after its mapping moved from `old` to `new`, clipped to
    /// end at `limit`; `None` if nothing of it is left.
    pub fn moved(&self, old: u32, new: u32, limit: u32) -> Option<FileMap> {
        let start = new + (self.start - old);
        let end = (new + (self.end - old)).min(limit);
        if start >= end {
            return None;
        }
        let mut m = self.slice(self.start, self.start + (end - start));
        m.start = start;
        m.end = end;
        Some(m)
    }
}

/// True if some mapping must publish before file data is looked at.
pub(crate) fn has_writable_shares(maps: &[FileMap]) -> bool {
    maps.iter()
        .any(|m| m.share.as_ref().is_some_and(|s| s.last.is_some()))
}

/// Writes the pages of writable shared mappings that changed since the last
/// exchange to their files (within the file's size: a mapping never extends
/// its file) and bumps those files' versions.
pub(crate) fn publish(space: &mut AddressSpace, maps: &mut [FileMap]) {
    for m in maps.iter_mut() {
        let Some(share) = m.share.as_mut() else {
            continue;
        };
        let Some(last) = share.last.as_mut() else {
            continue;
        };
        let mut now = vec![0u8; last.len()];
        // A range made inaccessible (PROT_NONE) has nothing new to say.
        if space.read_bytes(m.start, &mut now).is_err() {
            continue;
        }
        let file = m.file.borrow();
        let Some(node) = &file.node else { continue };
        let mut fs = node.fs.borrow_mut();
        let Ok(size) = fs.stat(node.loc.ino).map(|st| st.size) else {
            continue;
        };
        let page = PAGE_SIZE as usize;
        let mut changed = false;
        for (i, (new, old)) in now.chunks(page).zip(last.chunks(page)).enumerate() {
            let at = m.offset + (i * page) as u64;
            if new != old && at < size {
                let n = (size - at).min(new.len() as u64) as usize;
                // A failing file system (full, read-only) loses the write, as
                // Linux's writeback would; the mapping keeps its bytes.
                let _ = fs.write(node.loc.ino, at, &new[..n]);
                changed = true;
            }
        }
        if changed {
            *last = now;
            share.version.set(share.version.get() + 1);
            share.seen = share.version.get();
        }
    }
}

/// Re-reads shared mappings whose file another mapping has published to
/// since (past the end of the file the pages stay zero).
pub(crate) fn adopt(space: &mut AddressSpace, maps: &mut [FileMap]) {
    for m in maps.iter_mut() {
        let Some(share) = m.share.as_mut() else {
            continue;
        };
        if share.seen == share.version.get() {
            continue;
        }
        let len = (m.end - m.start) as usize;
        let Ok(mut bytes) = read_mapped(&m.file.borrow(), m.offset, len) else {
            continue;
        };
        bytes.resize(len, 0);
        let mut now = vec![0u8; len];
        let readable = space.read_bytes(m.start, &mut now).is_ok();
        let page = PAGE_SIZE as usize;
        for (i, (new, old)) in bytes.chunks(page).zip(now.chunks(page)).enumerate() {
            if !readable || new != old {
                let _ = space.poke(m.start + (i * page) as u32, new);
            }
        }
        if let Some(last) = share.last.as_mut() {
            *last = bytes;
        }
        share.seen = share.version.get();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::{FileKind, OpenFile};
    use std::cell::RefCell;

    #[test]
    fn cutting_keeps_both_sides_with_their_offsets() {
        let file = Rc::new(RefCell::new(OpenFile::new(FileKind::Regular, 0)));
        let mut shares = Shares::default();
        let mut maps = vec![FileMap {
            start: 0x1000,
            end: 0x5000,
            offset: 0x10000,
            file,
            share: Some(shares.share((1, 2), Some((0..0x4000).map(|i| (i >> 12) as u8).collect()))),
        }];
        cut(&mut maps, 0x2000, 0x3000);
        let spans: Vec<_> = maps.iter().map(|m| (m.start, m.end, m.offset)).collect();
        assert_eq!(
            spans,
            [(0x1000, 0x2000, 0x10000), (0x3000, 0x5000, 0x12000)]
        );
        let last = |m: &FileMap| m.share.as_ref().unwrap().last.clone().unwrap();
        assert_eq!(last(&maps[0]), vec![0u8; 0x1000]);
        assert_eq!(last(&maps[1])[0x1000], 3);
        assert_eq!(
            maps[1].overlap(0x4000, 0x9000),
            Some((0x4000, 0x5000, 0x13000))
        );
        assert_eq!(maps[0].overlap(0x2000, 0x3000), None);
        cut(&mut maps, 0, 0x10000);
        assert!(maps.is_empty());
    }

    #[test]
    fn mappings_of_one_file_share_a_version() {
        let mut shares = Shares::default();
        let a = shares.share((1, 2), None);
        let b = shares.share((1, 2), None);
        let c = shares.share((1, 3), None);
        a.version.set(5);
        assert_eq!(b.version.get(), 5);
        assert_eq!(c.version.get(), 0);
        drop((a, b));
        assert_eq!(shares.share((1, 2), None).version.get(), 0);
    }
}

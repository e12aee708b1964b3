//! Which file each file-backed mapping came from, so pages dropped by
//! `madvise(MADV_DONTNEED)` can be read from the file again, as Linux does.
//!
//! A record holds the open file description (a mapping keeps its file alive,
//! even unlinked, like Linux) and the file offset of its first byte.
//! Unmapping or replacing part of a mapping trims its record.

use crate::vfs::FileRef;

/// One file-backed mapping `[start, end)` showing the file from `offset`.
#[derive(Clone)]
pub(crate) struct FileMap {
    pub start: u32,
    pub end: u32,
    pub offset: u64,
    pub file: FileRef,
}

impl FileMap {
    /// The part of `[start, end)` this mapping covers, with the file offset
    /// of its first byte.
    pub fn overlap(&self, start: u32, end: u32) -> Option<(u32, u32, u64)> {
        let (s, e) = (start.max(self.start), end.min(self.end));
        (s < e).then(|| (s, e, self.offset + u64::from(s - self.start)))
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
            kept.push(FileMap {
                end: start,
                ..m.clone()
            });
        }
        if end < m.end {
            kept.push(FileMap {
                start: end,
                offset: m.offset + u64::from(end - m.start),
                ..m
            });
        }
    }
    *maps = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::{FileKind, OpenFile};
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn cutting_keeps_both_sides_with_their_offsets() {
        let file = Rc::new(RefCell::new(OpenFile::new(FileKind::Regular, 0)));
        let mut maps = vec![FileMap {
            start: 0x1000,
            end: 0x5000,
            offset: 0x10000,
            file,
        }];
        cut(&mut maps, 0x2000, 0x3000);
        let spans: Vec<_> = maps.iter().map(|m| (m.start, m.end, m.offset)).collect();
        assert_eq!(
            spans,
            [(0x1000, 0x2000, 0x10000), (0x3000, 0x5000, 0x12000)]
        );
        assert_eq!(
            maps[1].overlap(0x4000, 0x9000),
            Some((0x4000, 0x5000, 0x13000))
        );
        assert_eq!(maps[0].overlap(0x2000, 0x3000), None);
        cut(&mut maps, 0, 0x10000);
        assert!(maps.is_empty());
    }
}

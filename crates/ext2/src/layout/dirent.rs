//! Directory entries: `inode: u32, rec_len: u16, name_len, file_type, name`,
//! 4-byte aligned. The entries of a block tile it exactly: each `rec_len`
//! reaches to the next entry, the last to the end of the block. A removed
//! entry is absorbed into its predecessor's `rec_len`, or, first in its
//! block, keeps its place with inode 0. Without the `filetype` feature
//! (revision 0) `name_len` is 16 bits and there is no type byte.

use super::{le16, le32, put16, put32};

/// Longest name.
pub const NAME_MAX: usize = 255;
const HEADER: usize = 8;

/// Space an entry with a name of `name_len` bytes needs.
pub fn entry_len(name_len: usize) -> usize {
    (HEADER + name_len).next_multiple_of(4)
}

/// One entry as found in a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Byte offset in the block.
    pub offset: usize,
    /// 0 for an unused slot.
    pub inode: u32,
    pub rec_len: usize,
    /// The file-type byte (0 when the feature is off or the type unknown).
    pub code: u8,
    pub name: Vec<u8>,
}

impl Entry {
    /// Bytes the entry occupies (the rest of `rec_len` is slack).
    pub fn used(&self) -> usize {
        if self.inode == 0 {
            0
        } else {
            entry_len(self.name.len())
        }
    }
}

/// Splits a directory block into its entries, checking that they tile it.
/// The error says what is wrong at which offset; the caller adds the place.
pub fn parse_block(b: &[u8], filetype: bool) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < b.len() {
        if b.len() - off < HEADER {
            return Err(format!("entry at offset {off} runs past the block end"));
        }
        let inode = le32(b, off);
        let rec_len = usize::from(le16(b, off + 4));
        let (name_len, code) = if filetype {
            (usize::from(b[off + 6]), b[off + 7])
        } else {
            (usize::from(le16(b, off + 6)), 0)
        };
        if rec_len < HEADER || rec_len % 4 != 0 || rec_len > b.len() - off {
            return Err(format!("entry at offset {off} has bad rec_len {rec_len}"));
        }
        if inode != 0 && (name_len == 0 || entry_len(name_len) > rec_len) {
            return Err(format!(
                "entry at offset {off} has name_len {name_len} for rec_len {rec_len}"
            ));
        }
        let name = if inode == 0 {
            Vec::new()
        } else {
            b[off + HEADER..off + HEADER + name_len].to_vec()
        };
        out.push(Entry {
            offset: off,
            inode,
            rec_len,
            code,
            name,
        });
        off += rec_len;
    }
    Ok(out)
}

/// Writes an entry's header and name at its offset.
pub fn emit(b: &mut [u8], e: &Entry, filetype: bool) {
    let off = e.offset;
    put32(b, off, e.inode);
    put16(b, off + 4, e.rec_len as u16);
    if filetype {
        b[off + 6] = e.name.len() as u8;
        b[off + 7] = e.code;
    } else {
        put16(b, off + 6, e.name.len() as u16);
    }
    b[off + HEADER..off + HEADER + e.name.len()].copy_from_slice(&e.name);
}

/// Changes only the `rec_len` of the entry at `offset`.
pub fn set_rec_len(b: &mut [u8], offset: usize, rec_len: usize) {
    put16(b, offset + 4, rec_len as u16);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(entries: &[Entry], filetype: bool) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        for e in entries {
            emit(&mut b, e, filetype);
        }
        b
    }

    fn entry(offset: usize, inode: u32, rec_len: usize, name: &[u8]) -> Entry {
        Entry {
            offset,
            inode,
            rec_len,
            code: 1,
            name: name.to_vec(),
        }
    }

    #[test]
    fn round_trips_both_formats() {
        let es = [entry(0, 2, 12, b"."), entry(12, 11, 52, b"hello")];
        assert_eq!(parse_block(&block(&es, true), true).unwrap(), es);
        let plain: Vec<Entry> = es
            .iter()
            .map(|e| Entry {
                code: 0,
                ..e.clone()
            })
            .collect();
        assert_eq!(parse_block(&block(&plain, false), false).unwrap(), plain);
        assert_eq!(entry_len(5), 16);
        assert_eq!(es[1].used(), 16);
    }

    #[test]
    fn bad_tiling_is_reported_not_panicked() {
        let mut b = block(&[entry(0, 2, 12, b"."), entry(12, 11, 52, b"x")], true);
        put16(&mut b, 16, 60); // second rec_len past the end
        assert_eq!(
            parse_block(&b, true).unwrap_err(),
            "entry at offset 12 has bad rec_len 60"
        );
        put16(&mut b, 16, 12);
        b[18] = 9; // name_len larger than the record
        assert!(parse_block(&b, true).unwrap_err().contains("name_len 9"));
        assert!(parse_block(&b[..5], true).is_err());
    }
}

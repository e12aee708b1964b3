//! The superblock: 1024 bytes at byte 1024 of the volume, describing its
//! geometry, free counts and features.

use super::{inode, le16, le32, put32};
use crate::error::{corrupt, Error, Result};

/// Byte offset of the superblock on the device, for every block size.
pub const OFFSET: u64 = 1024;
/// Length of the superblock.
pub const LEN: usize = 1024;
const MAGIC: u16 = 0xEF53;

// Field offsets of the counts this driver keeps up to date.
const FREE_BLOCKS: usize = 12;
const FREE_INODES: usize = 16;
const FEATURE_RO_COMPAT: usize = 100;

/// `feature_incompat`: directory entries carry a file-type byte.
pub const INCOMPAT_FILETYPE: u32 = 0x2;
/// `feature_ro_compat`: backups only in groups 0, 1 and powers of 3, 5, 7.
pub const RO_COMPAT_SPARSE_SUPER: u32 = 0x1;
/// `feature_ro_compat`: regular files may exceed 2 GiB (`size_high`).
pub const RO_COMPAT_LARGE_FILE: u32 = 0x2;
/// `feature_ro_compat`: reserved for b-tree directories, never used by
/// Linux; harmless to write around.
const RO_COMPAT_BTREE_DIR: u32 = 0x4;

const INCOMPAT_NAMES: &[(u32, &str)] = &[
    (0x1, "compression"),
    (0x4, "needs_recovery"),
    (0x8, "journal_dev"),
    (0x10, "meta_bg"),
    (0x40, "extent"),
    (0x80, "64bit"),
    (0x100, "mmp"),
    (0x200, "flex_bg"),
    (0x400, "ea_inode"),
    (0x1000, "dirdata"),
    (0x2000, "metadata_csum_seed"),
    (0x4000, "large_dir"),
    (0x8000, "inline_data"),
    (0x10000, "encrypt"),
    (0x20000, "casefold"),
];

const RO_COMPAT_NAMES: &[(u32, &str)] = &[
    (0x8, "huge_file"),
    (0x10, "uninit_bg"),
    (0x20, "dir_nlink"),
    (0x40, "extra_isize"),
    (0x100, "quota"),
    (0x200, "bigalloc"),
    (0x400, "metadata_csum"),
    (0x1000, "readonly"),
    (0x2000, "project"),
    (0x4000, "shared_blocks"),
    (0x8000, "verity"),
];

/// The superblock fields this driver reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superblock {
    pub inodes_count: u32,
    pub blocks_count: u32,
    pub r_blocks_count: u32,
    pub free_blocks_count: u32,
    pub free_inodes_count: u32,
    pub first_data_block: u32,
    pub block_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub mtime: u32,
    pub wtime: u32,
    pub rev_level: u32,
    pub first_ino: u32,
    pub inode_size: u32,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
}

impl Superblock {
    /// Parses and sanity-checks the 1024 superblock bytes; every rejection
    /// names the field.
    pub fn parse(b: &[u8]) -> Result<Superblock> {
        if b.len() < LEN {
            return Err(corrupt!("superblock: only {} bytes", b.len()));
        }
        let magic = le16(b, 56);
        if magic != MAGIC {
            return Err(corrupt!(
                "superblock: magic {magic:#06x}, not ext2's {MAGIC:#06x}"
            ));
        }
        let log = le32(b, 24);
        if log > 2 {
            return Err(Error::Unsupported(format!(
                "block size 1024 << {log} (only 1, 2 and 4 KiB)"
            )));
        }
        let block_size = 1024u32 << log;
        let rev_level = le32(b, 76);
        let (first_ino, inode_size) = match rev_level {
            0 => (11, 128),
            1 => (le32(b, 84), u32::from(le16(b, 88))),
            r => return Err(Error::Unsupported(format!("superblock revision {r}"))),
        };
        let sb = Superblock {
            inodes_count: le32(b, 0),
            blocks_count: le32(b, 4),
            r_blocks_count: le32(b, 8),
            free_blocks_count: le32(b, FREE_BLOCKS),
            free_inodes_count: le32(b, FREE_INODES),
            first_data_block: le32(b, 20),
            block_size,
            blocks_per_group: le32(b, 32),
            inodes_per_group: le32(b, 40),
            mtime: le32(b, 44),
            wtime: le32(b, 48),
            rev_level,
            first_ino,
            inode_size,
            feature_compat: if rev_level == 0 { 0 } else { le32(b, 92) },
            feature_incompat: if rev_level == 0 { 0 } else { le32(b, 96) },
            feature_ro_compat: if rev_level == 0 {
                0
            } else {
                le32(b, FEATURE_RO_COMPAT)
            },
        };
        sb.check()?;
        Ok(sb)
    }

    fn check(&self) -> Result<()> {
        let bits = self.block_size * 8;
        let want_first = u32::from(self.block_size == 1024);
        if self.first_data_block != want_first {
            return Err(corrupt!(
                "superblock: first_data_block {} (expected {want_first} for {}-byte blocks)",
                self.first_data_block,
                self.block_size
            ));
        }
        if self.blocks_per_group != bits {
            return Err(corrupt!(
                "superblock: blocks_per_group {} (must be {bits})",
                self.blocks_per_group
            ));
        }
        if self.inodes_per_group == 0 || self.inodes_per_group > bits {
            return Err(corrupt!(
                "superblock: inodes_per_group {} (must be 1..={bits})",
                self.inodes_per_group
            ));
        }
        if self.inode_size < inode::LEN as u32
            || !self.inode_size.is_power_of_two()
            || self.inode_size > self.block_size
        {
            return Err(corrupt!("superblock: inode_size {}", self.inode_size));
        }
        if self.blocks_count <= self.first_data_block {
            return Err(corrupt!("superblock: blocks_count {}", self.blocks_count));
        }
        let groups = self.group_count();
        if u64::from(self.inodes_count) != u64::from(groups) * u64::from(self.inodes_per_group) {
            return Err(corrupt!(
                "superblock: inodes_count {} is not {groups} groups × {} inodes",
                self.inodes_count,
                self.inodes_per_group
            ));
        }
        if self.first_ino < 3 || self.first_ino > self.inodes_count {
            return Err(corrupt!("superblock: first_ino {}", self.first_ino));
        }
        Ok(())
    }

    /// Number of block groups.
    pub fn group_count(&self) -> u32 {
        (self.blocks_count - self.first_data_block).div_ceil(self.blocks_per_group)
    }

    /// Refuses features whose meaning this driver would get wrong. Unknown
    /// `incompat` bits forbid any mount; unknown `ro_compat` bits forbid a
    /// read-write one. `compat` features are by definition safe to ignore.
    pub fn check_features(&self, read_only: bool) -> Result<()> {
        let incompat = self.feature_incompat & !INCOMPAT_FILETYPE;
        if incompat != 0 {
            return Err(Error::Unsupported(format!(
                "incompatible features {}",
                names(incompat, INCOMPAT_NAMES)
            )));
        }
        let known = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR;
        let ro = self.feature_ro_compat & !known;
        if ro != 0 && !read_only {
            return Err(Error::Unsupported(format!(
                "read-only-compatible features {} (mount read-only)",
                names(ro, RO_COMPAT_NAMES)
            )));
        }
        Ok(())
    }

    pub fn has_filetype(&self) -> bool {
        self.feature_incompat & INCOMPAT_FILETYPE != 0
    }

    pub fn has_large_file(&self) -> bool {
        self.feature_ro_compat & RO_COMPAT_LARGE_FILE != 0
    }
}

/// Adds `blocks` and `inodes` to the free counts in raw superblock bytes.
pub fn add_free(b: &mut [u8], blocks: i64, inodes: i64) -> Result<()> {
    for (at, delta, what) in [
        (FREE_BLOCKS, blocks, "blocks"),
        (FREE_INODES, inodes, "inodes"),
    ] {
        let v = i64::from(le32(b, at)) + delta;
        let v = u32::try_from(v)
            .map_err(|_| corrupt!("superblock: free {what} count would become {v}"))?;
        put32(b, at, v);
    }
    Ok(())
}

/// Sets `large_file` in raw superblock bytes (revision 1 only).
pub fn set_large_file(b: &mut [u8]) {
    let v = le32(b, FEATURE_RO_COMPAT) | RO_COMPAT_LARGE_FILE;
    put32(b, FEATURE_RO_COMPAT, v);
}

/// "name1, name2" for the set bits of `bits`; unnamed ones as hex.
fn names(bits: u32, table: &[(u32, &str)]) -> String {
    (0..32)
        .map(|i| 1u32 << i)
        .filter(|bit| bits & bit != 0)
        .map(|bit| match table.iter().find(|(b, _)| *b == bit) {
            Some((_, n)) => (*n).to_string(),
            None => format!("{bit:#x}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Vec<u8> {
        let mut b = vec![0u8; LEN];
        put32(&mut b, 0, 64); // inodes
        put32(&mut b, 4, 1024); // blocks
        put32(&mut b, 20, 1); // first data block
        put32(&mut b, 32, 8192);
        put32(&mut b, 40, 64);
        b[56..58].copy_from_slice(&MAGIC.to_le_bytes());
        b
    }

    #[test]
    fn parses_revision_0() {
        let sb = Superblock::parse(&minimal()).unwrap();
        assert_eq!(
            (sb.block_size, sb.inode_size, sb.first_ino),
            (1024, 128, 11)
        );
        assert_eq!(sb.group_count(), 1);
    }

    #[test]
    fn rejections_name_the_field() {
        let mut b = minimal();
        b[56] = 0;
        assert!(Superblock::parse(&b)
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut b = minimal();
        put32(&mut b, 40, 0);
        assert!(Superblock::parse(&b)
            .unwrap_err()
            .to_string()
            .contains("inodes_per_group"));
        assert!(Superblock::parse(&b[..10]).is_err());
    }

    #[test]
    fn feature_errors_name_features() {
        let mut sb = Superblock::parse(&minimal()).unwrap();
        sb.feature_incompat = 0x40 | 0x2 | 0x80;
        let e = sb.check_features(true).unwrap_err().to_string();
        assert!(e.contains("extent, 64bit"), "{e}");
        sb.feature_incompat = 0x2;
        sb.feature_ro_compat = 0x400 | 0x1;
        assert!(sb.check_features(true).is_ok());
        let e = sb.check_features(false).unwrap_err().to_string();
        assert!(e.contains("metadata_csum"), "{e}");
    }
}

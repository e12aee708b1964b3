//! Block group descriptors: 32 bytes each, packed in the blocks after the
//! superblock.

use super::{le16, le32, put16};

/// Size of one descriptor (ext2 without `64bit`).
pub const LEN: usize = 32;

/// One group's descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupDesc {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks: u16,
    pub free_inodes: u16,
    pub used_dirs: u16,
}

impl GroupDesc {
    /// Reads the descriptor at the start of `b` (at least [`LEN`] bytes).
    pub fn parse(b: &[u8]) -> GroupDesc {
        GroupDesc {
            block_bitmap: le32(b, 0),
            inode_bitmap: le32(b, 4),
            inode_table: le32(b, 8),
            free_blocks: le16(b, 12),
            free_inodes: le16(b, 14),
            used_dirs: le16(b, 16),
        }
    }

    /// Writes the counts back; the locations never change after `mke2fs`.
    pub fn emit_counts(&self, b: &mut [u8]) {
        put16(b, 12, self.free_blocks);
        put16(b, 14, self.free_inodes);
        put16(b, 16, self.used_dirs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_counts() {
        let mut b = [0u8; LEN];
        b[0] = 3;
        b[4] = 4;
        b[8] = 5;
        let mut g = GroupDesc::parse(&b);
        assert_eq!((g.block_bitmap, g.inode_bitmap, g.inode_table), (3, 4, 5));
        g.free_blocks = 700;
        g.used_dirs = 2;
        g.emit_counts(&mut b);
        assert_eq!(GroupDesc::parse(&b), g);
    }
}

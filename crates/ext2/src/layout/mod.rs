//! The on-disk format of ext2, one file per structure: the byte view
//! (little-endian fields at fixed offsets) and its meaning (`parse`/`emit`).
//!
//! An ext2 volume is a row of blocks (1, 2 or 4 KiB). The superblock sits at
//! byte 1024 whatever the block size; the blocks after it (from
//! `first_data_block`) are cut into block groups of `8 × block_size` blocks,
//! so one bitmap block covers a group. The group descriptor table follows the
//! superblock; each descriptor names its group's block bitmap, inode bitmap
//! and inode table. Some groups (all, or with `sparse_super` only 0, 1 and the
//! powers of 3, 5 and 7) start with backup copies of superblock and table;
//! the bitmaps already mark them used, so the allocator never has to know.
//!
//! Inodes (`inode.rs`) hold 15 block pointers: 12 direct, then a single,
//! double and triple indirect block of `block_size / 4` pointers each; a zero
//! pointer is a hole. Directories (`dirent.rs`) are files of variable-length
//! entries that tile each block exactly.
//!
//! `parse` never panics on any bytes: guest-controlled images are bad input.

pub mod dirent;
pub mod group;
pub mod inode;
pub mod superblock;

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

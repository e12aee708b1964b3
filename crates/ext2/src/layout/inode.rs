//! Inodes: the first 128 bytes of each inode-table slot (the rest of a larger
//! slot is left as found, as Linux's ext2 does).

use super::{le16, le32, put16, put32};

/// Bytes of an inode this driver interprets.
pub const LEN: usize = 128;
/// Block pointers in an inode: 12 direct, then single, double, triple.
pub const N_BLOCKS: usize = 15;
pub const N_DIRECT: usize = 12;
/// Inode of the root directory.
pub const ROOT_INO: u32 = 2;
/// Most hard links one inode may have (Linux's `EXT2_LINK_MAX`).
pub const LINK_MAX: u16 = 32000;
/// `flags`: the directory carries an htree index (`dir_index`). The index
/// blocks look like empty entries to a linear reader; a writer that does not
/// maintain the index clears the flag.
pub const INDEX_FL: u32 = 0x1000;

const S_IFMT: u16 = 0o170000;

/// The kind of an inode, from the `S_IFMT` bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDev,
    BlockDev,
    Fifo,
    Socket,
}

impl FileType {
    /// The type named by a mode, if any.
    pub fn from_mode(mode: u16) -> Option<FileType> {
        Some(match mode & S_IFMT {
            0o100000 => FileType::Regular,
            0o040000 => FileType::Directory,
            0o120000 => FileType::Symlink,
            0o020000 => FileType::CharDev,
            0o060000 => FileType::BlockDev,
            0o010000 => FileType::Fifo,
            0o140000 => FileType::Socket,
            _ => return None,
        })
    }

    /// The `S_IFMT` bits.
    pub fn mode_bits(self) -> u16 {
        match self {
            FileType::Regular => 0o100000,
            FileType::Directory => 0o040000,
            FileType::Symlink => 0o120000,
            FileType::CharDev => 0o020000,
            FileType::BlockDev => 0o060000,
            FileType::Fifo => 0o010000,
            FileType::Socket => 0o140000,
        }
    }

    /// The file-type byte of a directory entry (`filetype` feature).
    pub fn dirent_code(self) -> u8 {
        match self {
            FileType::Regular => 1,
            FileType::Directory => 2,
            FileType::CharDev => 3,
            FileType::BlockDev => 4,
            FileType::Fifo => 5,
            FileType::Socket => 6,
            FileType::Symlink => 7,
        }
    }

    /// The type named by a directory entry's file-type byte, if any.
    pub fn from_dirent_code(code: u8) -> Option<FileType> {
        Some(match code {
            1 => FileType::Regular,
            2 => FileType::Directory,
            3 => FileType::CharDev,
            4 => FileType::BlockDev,
            5 => FileType::Fifo,
            6 => FileType::Socket,
            7 => FileType::Symlink,
            _ => return None,
        })
    }
}

/// The meaning of an inode's 128 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inode {
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// File size; the high half (`size_high`) counts only for regular files.
    pub size: u64,
    pub atime: u32,
    pub ctime: u32,
    pub mtime: u32,
    pub dtime: u32,
    pub links: u16,
    /// Storage in 512-byte sectors, indirect blocks included.
    pub blocks: u32,
    pub flags: u32,
    pub block: [u32; N_BLOCKS],
    /// Extended-attribute block, shared by reference count.
    pub file_acl: u32,
    /// `size_high` of a non-regular file (the old `dir_acl`), kept as found.
    pub dir_acl: u32,
}

impl Inode {
    /// Reads the inode at the start of `b` (at least [`LEN`] bytes).
    pub fn parse(b: &[u8]) -> Inode {
        let mode = le16(b, 0);
        let high = le32(b, 108);
        let regular = FileType::from_mode(mode) == Some(FileType::Regular);
        let mut block = [0; N_BLOCKS];
        for (i, p) in block.iter_mut().enumerate() {
            *p = le32(b, 40 + 4 * i);
        }
        Inode {
            mode,
            uid: u32::from(le16(b, 2)) | u32::from(le16(b, 120)) << 16,
            gid: u32::from(le16(b, 24)) | u32::from(le16(b, 122)) << 16,
            size: u64::from(le32(b, 4)) | if regular { u64::from(high) << 32 } else { 0 },
            atime: le32(b, 8),
            ctime: le32(b, 12),
            mtime: le32(b, 16),
            dtime: le32(b, 20),
            links: le16(b, 26),
            blocks: le32(b, 28),
            flags: le32(b, 32),
            block,
            file_acl: le32(b, 104),
            dir_acl: if regular { 0 } else { high },
        }
    }

    /// Writes the fields back into the slot at the start of `b`, leaving the
    /// bytes it does not model (generation, fragment fields…) alone.
    pub fn emit(&self, b: &mut [u8]) {
        put16(b, 0, self.mode);
        put16(b, 2, self.uid as u16);
        put16(b, 120, (self.uid >> 16) as u16);
        put16(b, 24, self.gid as u16);
        put16(b, 122, (self.gid >> 16) as u16);
        put32(b, 4, self.size as u32);
        let high = if self.kind() == Some(FileType::Regular) {
            (self.size >> 32) as u32
        } else {
            self.dir_acl
        };
        put32(b, 108, high);
        put32(b, 8, self.atime);
        put32(b, 12, self.ctime);
        put32(b, 16, self.mtime);
        put32(b, 20, self.dtime);
        put16(b, 26, self.links);
        put32(b, 28, self.blocks);
        put32(b, 32, self.flags);
        for (i, p) in self.block.iter().enumerate() {
            put32(b, 40 + 4 * i, *p);
        }
        put32(b, 104, self.file_acl);
    }

    pub fn kind(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    /// Whether the symlink target lives in the block-pointer area: no
    /// blocks besides an extended-attribute block (Linux's test).
    pub fn is_fast_symlink(&self, block_size: u32) -> bool {
        let acl = if self.file_acl != 0 {
            block_size / 512
        } else {
            0
        };
        self.kind() == Some(FileType::Symlink) && self.blocks == acl
    }

    /// Whether `block` holds block pointers (rather than a fast symlink's
    /// text or a device number).
    pub fn has_block_map(&self, block_size: u32) -> bool {
        match self.kind() {
            Some(FileType::Regular | FileType::Directory) => true,
            Some(FileType::Symlink) => !self.is_fast_symlink(block_size),
            _ => false,
        }
    }

    /// The 60 bytes of the block-pointer area.
    pub fn block_bytes(&self) -> [u8; 4 * N_BLOCKS] {
        let mut out = [0; 4 * N_BLOCKS];
        for (i, p) in self.block.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&p.to_le_bytes());
        }
        out
    }

    /// Stores up to 60 bytes in the block-pointer area (a fast symlink).
    pub fn set_block_bytes(&mut self, data: &[u8]) {
        let mut raw = [0u8; 4 * N_BLOCKS];
        raw[..data.len()].copy_from_slice(data);
        for (i, p) in self.block.iter_mut().enumerate() {
            *p = le32(&raw, 4 * i);
        }
    }

    /// A device node's number as (major, minor): the old 8:8 encoding in
    /// `block[0]`, or Linux's new one in `block[1]`.
    pub fn rdev(&self) -> (u32, u32) {
        if self.block[0] != 0 {
            let d = self.block[0];
            ((d >> 8) & 0xff, d & 0xff)
        } else {
            let d = self.block[1];
            ((d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00))
        }
    }

    /// Stores a device number the way Linux's ext2 does.
    pub fn set_rdev(&mut self, major: u32, minor: u32) {
        self.block = [0; N_BLOCKS];
        if major < 256 && minor < 256 {
            self.block[0] = (major << 8) | minor;
        } else {
            self.block[1] = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_unmodelled_bytes() {
        let mut b = [0xA5u8; 256];
        let mut ino = Inode::parse(&b);
        ino.mode = 0o100644;
        ino.uid = 70000;
        ino.gid = 5;
        ino.size = 5 << 32 | 7;
        ino.block[14] = 99;
        ino.dir_acl = 0; // a regular file's high size half is its size
        ino.emit(&mut b);
        assert_eq!(Inode::parse(&b), ino);
        assert_eq!(b[100], 0xA5, "generation untouched");
        assert_eq!(b[200], 0xA5, "extra space untouched");
    }

    #[test]
    fn device_numbers_use_both_encodings() {
        let mut ino = Inode::default();
        for (maj, min) in [(1, 3), (8, 300), (259, 7)] {
            ino.set_rdev(maj, min);
            assert_eq!(ino.rdev(), (maj, min));
        }
        ino.set_rdev(4, 64);
        assert_eq!(ino.block[0], 0x440);
    }

    #[test]
    fn fast_symlink_bytes() {
        let mut ino = Inode {
            mode: 0o120777,
            ..Inode::default()
        };
        ino.set_block_bytes(b"target");
        assert!(ino.is_fast_symlink(1024));
        assert_eq!(&ino.block_bytes()[..7], b"target\0");
        assert!(!ino.has_block_map(1024));
    }
}

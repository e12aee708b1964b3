//! `linux/stat.h`, `asm/stat.h`, `linux/statfs.h`, `linux/dirent.h`: mode
//! bits and the i386 layouts of `struct stat64` (96 bytes), `struct statx`
//! (256), `struct statfs64` (84) and the two directory-entry records.

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;

pub const STAT64_SIZE: usize = 96;
pub const STATX_SIZE: usize = 256;
pub const STATFS64_SIZE: usize = 84;
/// `STATX_BASIC_STATS`: everything but the birth time.
pub const STATX_BASIC_STATS: u32 = 0x7ff;

/// Little-endian writer over a fixed-size guest structure.
pub struct Emit<const N: usize>(pub [u8; N]);

impl<const N: usize> Emit<N> {
    pub fn new() -> Self {
        Emit([0; N])
    }
    pub fn u16(&mut self, at: usize, v: u16) -> &mut Self {
        self.0[at..at + 2].copy_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, at: usize, v: u32) -> &mut Self {
        self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, at: usize, v: u64) -> &mut Self {
        self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
        self
    }
}

impl<const N: usize> Default for Emit<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// glibc's `makedev`: the 64-bit `dev_t` of `stat64`.
pub fn encode_dev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xfff) << 8) | (mi & 0xff) | ((mi & !0xff) << 12) | ((ma & !0xfff) << 32)
}

/// Byte offsets of `struct stat64`.
pub mod stat64 {
    pub const DEV: usize = 0;
    pub const INO32: usize = 12;
    pub const MODE: usize = 16;
    pub const NLINK: usize = 20;
    pub const UID: usize = 24;
    pub const GID: usize = 28;
    pub const RDEV: usize = 32;
    pub const SIZE: usize = 44;
    pub const BLKSIZE: usize = 52;
    pub const BLOCKS: usize = 56;
    pub const ATIME: usize = 64;
    pub const MTIME: usize = 72;
    pub const CTIME: usize = 80;
    pub const INO: usize = 88;
}

/// Byte offsets of `struct statx`; timestamps are 16 bytes (`i64` s, `u32` ns).
pub mod statx {
    pub const MASK: usize = 0;
    pub const BLKSIZE: usize = 4;
    pub const NLINK: usize = 16;
    pub const UID: usize = 20;
    pub const GID: usize = 24;
    pub const MODE: usize = 28;
    pub const INO: usize = 32;
    pub const SIZE: usize = 40;
    pub const BLOCKS: usize = 48;
    pub const ATIME: usize = 64;
    pub const CTIME: usize = 96;
    pub const MTIME: usize = 112;
    pub const RDEV_MAJOR: usize = 128;
    pub const RDEV_MINOR: usize = 132;
    pub const DEV_MAJOR: usize = 136;
    pub const DEV_MINOR: usize = 140;
}

/// Byte offsets of `struct statfs64` (i386: 4-byte packing).
pub mod statfs64 {
    pub const TYPE: usize = 0;
    pub const BSIZE: usize = 4;
    pub const BLOCKS: usize = 8;
    pub const BFREE: usize = 16;
    pub const BAVAIL: usize = 24;
    pub const FILES: usize = 32;
    pub const FFREE: usize = 40;
    pub const NAMELEN: usize = 56;
    pub const FRSIZE: usize = 60;
}

/// Appends one `struct linux_dirent64` (8-byte aligned record).
pub fn push_dirent64(out: &mut Vec<u8>, ino: u64, next_off: u64, d_type: u8, name: &[u8]) {
    let reclen = (19 + name.len() + 1).next_multiple_of(8);
    let start = out.len();
    out.extend_from_slice(&ino.to_le_bytes());
    out.extend_from_slice(&next_off.to_le_bytes());
    out.extend_from_slice(&(reclen as u16).to_le_bytes());
    out.push(d_type);
    out.extend_from_slice(name);
    out.resize(start + reclen, 0);
}

/// Appends one old `struct linux_dirent` (4-byte aligned; `d_type` is the
/// record's last byte).
pub fn push_dirent32(out: &mut Vec<u8>, ino: u32, next_off: u32, d_type: u8, name: &[u8]) {
    let reclen = (10 + name.len() + 2).next_multiple_of(4);
    let start = out.len();
    out.extend_from_slice(&ino.to_le_bytes());
    out.extend_from_slice(&next_off.to_le_bytes());
    out.extend_from_slice(&(reclen as u16).to_le_bytes());
    out.extend_from_slice(name);
    out.resize(start + reclen, 0);
    out[start + reclen - 1] = d_type;
}

/// Size of a `linux_dirent64` record for a name of `len` bytes.
pub fn dirent64_len(len: usize) -> usize {
    (19 + len + 1).next_multiple_of(8)
}

/// Size of an old `linux_dirent` record for a name of `len` bytes.
pub fn dirent32_len(len: usize) -> usize {
    (10 + len + 2).next_multiple_of(4)
}

/// The (major, minor) of a `dev_t` made by [`encode_dev`].
pub fn decode_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

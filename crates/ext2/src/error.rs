//! What can go wrong in an ext2 operation.
//!
//! Three families share one enum because one operation can meet all of them:
//! the restart signal ([`Error::WouldBlock`]), host-facing failures (device
//! errors, corrupt or unsupported images: each names what and where), and the
//! guest-visible refusals that map one-to-one onto errno values.

use std::fmt;

use tabvm_disk::DiskError;

/// Why an ext2 operation did not complete. After any error the file system
/// is exactly as before the call (see the crate doc on restartability).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Limit: a block the operation needs is not on hand yet (the device
    /// answered `Pending`). Nothing changed; run the same call again later.
    WouldBlock,
    /// Limit: the device failed.
    Device(DiskError),
    /// Bad input: the image contradicts itself; the text says what and where.
    Corrupt(String),
    /// Bad input: the image uses a feature this driver does not implement.
    Unsupported(String),
    /// Bad input: no such name (`ENOENT`).
    NotFound,
    /// Bad input: the name exists (`EEXIST`).
    Exists,
    /// Bad input: a directory was needed (`ENOTDIR`).
    NotDir,
    /// Bad input: not allowed on a directory (`EISDIR`).
    IsDir,
    /// Bad input: the directory is not empty (`ENOTEMPTY`).
    NotEmpty,
    /// Limit: no free block or inode (`ENOSPC`).
    NoSpace,
    /// Bad input: a name longer than 255 bytes or a symlink target longer
    /// than a block allows (`ENAMETOOLONG`).
    NameTooLong,
    /// Limit: beyond the largest file the block map can address (`EFBIG`).
    FileTooBig,
    /// Bad input: a malformed argument, e.g. renaming a directory into itself
    /// (`EINVAL`).
    Invalid,
    /// Bad input: hard link to a directory (`EPERM`).
    NotPermitted,
    /// Limit: 32000 links already (`EMLINK`).
    TooManyLinks,
    /// Bad input: a write to a read-only mount (`EROFS`).
    ReadOnly,
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The Linux errno a guest should see. `WouldBlock` has none: the caller
    /// restarts the call instead; it is given `EAGAIN` only for completeness.
    pub fn errno(&self) -> i32 {
        match self {
            Error::WouldBlock => 11,
            Error::Device(_) | Error::Corrupt(_) | Error::Unsupported(_) => 5,
            Error::NotFound => 2,
            Error::Exists => 17,
            Error::NotDir => 20,
            Error::IsDir => 21,
            Error::NotEmpty => 39,
            Error::NoSpace => 28,
            Error::NameTooLong => 36,
            Error::FileTooBig => 27,
            Error::Invalid => 22,
            Error::NotPermitted => 1,
            Error::TooManyLinks => 31,
            Error::ReadOnly => 30,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WouldBlock => write!(f, "waiting for the device"),
            Error::Device(e) => write!(f, "ext2: {e}"),
            Error::Corrupt(what) => write!(f, "ext2: corrupt image: {what}"),
            Error::Unsupported(what) => write!(f, "ext2: unsupported: {what}"),
            other => write!(f, "ext2: {other:?} (errno {})", other.errno()),
        }
    }
}

impl std::error::Error for Error {}

impl From<DiskError> for Error {
    fn from(e: DiskError) -> Self {
        Error::Device(e)
    }
}

/// Builds an [`Error::Corrupt`] from format arguments.
macro_rules! corrupt {
    ($($arg:tt)*) => { $crate::error::Error::Corrupt(format!($($arg)*)) };
}
pub(crate) use corrupt;

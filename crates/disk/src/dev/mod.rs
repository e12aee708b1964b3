//! The block-device contract: byte-addressed reads and writes that may
//! complete later.
//!
//! A device backed by the network cannot answer a read at once. Rather than
//! block (impossible in a browser tab), it returns [`Completion::Pending`]:
//! nothing was transferred, and the caller must issue the *same* request again
//! later. The kernel turns that into "park the task, restart the syscall"
//! (DESIGN rule 1), so no device ever needs a callback into the kernel.
//! `Done` means the whole buffer was transferred: there are no short reads.

use std::fmt;

pub mod chunked;
pub mod fault;
pub mod memory;
pub mod overlay;
pub mod trace;

/// How a device answered a request that did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The whole request was carried out.
    Done,
    /// The device is waiting for data; nothing was transferred. Retry the
    /// identical request later.
    Pending,
}

/// Why a device request failed. The kernel maps all of these to `EIO` for the
/// guest; the text is for the log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiskError {
    /// Bad input (usually a file-system bug above us): the request reaches past
    /// the end of the device.
    OutOfRange { offset: u64, len: u64, size: u64 },
    /// Limit of the environment: the backing store failed (network, host file,
    /// IndexedDB). `what` names the operation and the place, e.g.
    /// "fetch chunk 12 from <url>: 503".
    Io { what: String },
    /// Bad input: data arrived but is wrong (hash mismatch, truncated chunk).
    /// Such data is never handed to the guest.
    Corrupt { what: String },
}

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { offset, len, size } => write!(
                f,
                "request of {len} bytes at offset {offset} is beyond the device end ({size} bytes)"
            ),
            Self::Io { what } => write!(f, "I/O error: {what}"),
            Self::Corrupt { what } => write!(f, "corrupt data: {what}"),
        }
    }
}

impl std::error::Error for DiskError {}

/// A random-access store of `size()` bytes.
///
/// Every operation may answer [`Completion::Pending`]; see the module doc.
/// Requests are byte-addressed so callers with any block size (1, 2 or 4 KiB
/// ext2) can use one device.
pub trait BlockDevice {
    /// Size of the device in bytes; fixed for its lifetime.
    fn size(&self) -> u64;
    /// Fills all of `buf` from `offset`, or transfers nothing.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError>;
    /// Writes all of `data` at `offset`, or nothing.
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError>;
    /// Makes every completed write durable (the `fsync` barrier).
    fn flush(&mut self) -> Result<Completion, DiskError>;
}

/// A boxed device is a device, so a front end can pick one at run time.
impl<D: BlockDevice + ?Sized> BlockDevice for Box<D> {
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        (**self).read(offset, buf)
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        (**self).write(offset, data)
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        (**self).flush()
    }
}

/// Checks that `len` bytes at `offset` fit in a device of `size` bytes, and
/// returns it as a byte range.
pub fn check_range(size: u64, offset: u64, len: usize) -> Result<std::ops::Range<u64>, DiskError> {
    let len64 = len as u64;
    match offset.checked_add(len64) {
        Some(end) if end <= size => Ok(offset..end),
        _ => Err(DiskError::OutOfRange {
            offset,
            len: len64,
            size,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_checks() {
        assert_eq!(check_range(100, 90, 10), Ok(90..100));
        assert_eq!(check_range(100, 100, 0), Ok(100..100));
        assert_eq!(
            check_range(100, 91, 10),
            Err(DiskError::OutOfRange {
                offset: 91,
                len: 10,
                size: 100
            })
        );
        assert!(check_range(u64::MAX, u64::MAX, 1).is_err());
    }

    #[test]
    fn errors_read_well() {
        let e = DiskError::OutOfRange {
            offset: 8,
            len: 4,
            size: 10,
        };
        assert_eq!(
            e.to_string(),
            "request of 4 bytes at offset 8 is beyond the device end (10 bytes)"
        );
        let e = DiskError::Io {
            what: "read chunk 3".into(),
        };
        assert_eq!(e.to_string(), "I/O error: read chunk 3");
    }
}

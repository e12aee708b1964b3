//! An in-memory device: the base for tests and for small scratch disks.
//! Never pending, never fails except on out-of-range requests.

use super::{check_range, BlockDevice, Completion, DiskError};

/// A device holding its bytes in a `Vec`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryDevice {
    data: Vec<u8>,
}

impl MemoryDevice {
    /// A zero-filled device of `size` bytes.
    pub fn new(size: usize) -> Self {
        Self {
            data: vec![0; size],
        }
    }

    /// A device whose contents are `data`.
    pub fn from_bytes(data: Vec<u8>) -> Self {
        Self { data }
    }

    /// The current contents.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Gives the contents back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The in-memory index range of a request (fits in `usize` because the
    /// whole device is in memory).
    fn span(&self, offset: u64, len: usize) -> Result<std::ops::Range<usize>, DiskError> {
        let r = check_range(self.size(), offset, len)?;
        Ok(r.start as usize..r.end as usize)
    }
}

impl BlockDevice for MemoryDevice {
    fn size(&self) -> u64 {
        self.data.len() as u64
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        let r = self.span(offset, buf.len())?;
        buf.copy_from_slice(&self.data[r]);
        Ok(Completion::Done)
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        let r = self.span(offset, data.len())?;
        self.data[r].copy_from_slice(data);
        Ok(Completion::Done)
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        Ok(Completion::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips() {
        let mut d = MemoryDevice::new(1024);
        assert_eq!(d.size(), 1024);
        assert_eq!(d.write(1000, &[7; 24]), Ok(Completion::Done));
        let mut buf = [0u8; 30];
        assert_eq!(d.read(994, &mut buf), Ok(Completion::Done));
        assert_eq!(&buf[..6], &[0; 6]);
        assert_eq!(&buf[6..], &[7; 24]);
        assert_eq!(d.flush(), Ok(Completion::Done));
        assert_eq!(&d.into_bytes()[1000..], &[7; 24]);
    }

    #[test]
    fn out_of_range_is_rejected_and_changes_nothing() {
        let mut d = MemoryDevice::from_bytes(vec![1; 16]);
        assert!(matches!(
            d.write(10, &[0; 7]),
            Err(DiskError::OutOfRange { .. })
        ));
        assert!(matches!(
            d.read(17, &mut [0; 0]),
            Err(DiskError::OutOfRange { .. })
        ));
        assert_eq!(d.as_bytes(), &[1; 16]);
    }
}

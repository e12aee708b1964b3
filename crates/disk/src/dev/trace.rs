//! A tracing wrapper for tests: records every request as (op, offset, len),
//! so tests can assert which blocks a layer touched and in what order (e.g.
//! "reading one file fetched two chunks", "fsync flushed after the data").

use super::{BlockDevice, Completion, DiskError};

/// The kind of request recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Flush,
}

/// One recorded request. Flushes have offset and length 0. Every call is
/// recorded, including ones that answered `Pending` or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    pub op: Op,
    pub offset: u64,
    pub len: u64,
}

/// Wraps a device and records the requests passed through it.
#[derive(Debug)]
pub struct TraceDevice<D> {
    inner: D,
    log: Vec<TraceEntry>,
}

impl<D: BlockDevice> TraceDevice<D> {
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            log: Vec::new(),
        }
    }

    /// The requests so far, oldest first.
    pub fn entries(&self) -> &[TraceEntry] {
        &self.log
    }

    /// Returns the requests so far and starts a fresh log.
    pub fn take(&mut self) -> Vec<TraceEntry> {
        std::mem::take(&mut self.log)
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    fn record(&mut self, op: Op, offset: u64, len: usize) {
        self.log.push(TraceEntry {
            op,
            offset,
            len: len as u64,
        });
    }
}

impl<D: BlockDevice> BlockDevice for TraceDevice<D> {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        self.record(Op::Read, offset, buf.len());
        self.inner.read(offset, buf)
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        self.record(Op::Write, offset, data.len());
        self.inner.write(offset, data)
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.record(Op::Flush, 0, 0);
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FaultDevice, FaultPlan, MemoryDevice};

    #[test]
    fn records_every_request_in_order() {
        let mut d = TraceDevice::new(MemoryDevice::new(4096));
        let mut buf = [0u8; 512];
        d.write(1024, &[1; 100]).unwrap();
        d.read(0, &mut buf).unwrap();
        d.flush().unwrap();
        assert!(d.read(4000, &mut buf).is_err());
        let entry = |op, offset, len| TraceEntry { op, offset, len };
        assert_eq!(
            d.take(),
            [
                entry(Op::Write, 1024, 100),
                entry(Op::Read, 0, 512),
                entry(Op::Flush, 0, 0),
                entry(Op::Read, 4000, 512),
            ]
        );
        assert!(d.entries().is_empty());
        assert_eq!(d.inner().as_bytes()[1024], 1);
    }

    #[test]
    fn records_pending_retries() {
        let slow = FaultDevice::new(
            MemoryDevice::new(64),
            FaultPlan {
                pending_reads: 1,
                ..FaultPlan::default()
            },
        );
        let mut d = TraceDevice::new(slow);
        let mut buf = [0u8; 8];
        assert_eq!(d.read(8, &mut buf), Ok(Completion::Pending));
        assert_eq!(d.read(8, &mut buf), Ok(Completion::Done));
        assert_eq!(d.entries().len(), 2);
        assert!(d.entries().iter().all(|e| *e
            == TraceEntry {
                op: Op::Read,
                offset: 8,
                len: 8
            }));
    }
}

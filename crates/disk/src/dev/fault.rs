//! A fault-injecting wrapper for tests: makes any device slow or failing in a
//! fully deterministic way, so the layers above can be tested against the
//! `Pending` and error paths without a network.

use super::{BlockDevice, Completion, DiskError};

/// What to inject. The default injects nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Fail the Nth read (1-based) that gets past the pending stage with
    /// [`DiskError::Io`]. Later reads succeed again, like a transient fault.
    pub fail_read: Option<u64>,
    /// Every read answers `Pending` this many times before it is carried out,
    /// like a chunk that has to be fetched first.
    pub pending_reads: u32,
    /// Every write fails with [`DiskError::Io`] (a full or broken store).
    pub fail_writes: bool,
}

/// Wraps a device and injects the faults of a [`FaultPlan`].
#[derive(Debug)]
pub struct FaultDevice<D> {
    inner: D,
    plan: FaultPlan,
    /// Reads that got past the pending stage so far.
    reads: u64,
    /// `Pending` answers still owed to the current read.
    pending_left: u32,
}

impl<D: BlockDevice> FaultDevice<D> {
    pub fn new(inner: D, plan: FaultPlan) -> Self {
        let pending_left = plan.pending_reads;
        Self {
            inner,
            plan,
            reads: 0,
            pending_left,
        }
    }

    /// The wrapped device, e.g. to inspect what was written.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// Reads that got past the pending stage so far.
    pub fn reads(&self) -> u64 {
        self.reads
    }
}

impl<D: BlockDevice> BlockDevice for FaultDevice<D> {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        if self.pending_left > 0 {
            self.pending_left -= 1;
            return Ok(Completion::Pending);
        }
        self.reads += 1;
        let result = if self.plan.fail_read == Some(self.reads) {
            Err(DiskError::Io {
                what: format!("injected failure of read {} at offset {offset}", self.reads),
            })
        } else {
            self.inner.read(offset, buf)
        };
        // A read the inner device itself left pending is retried without
        // being delayed again; any other outcome ends this read.
        if result != Ok(Completion::Pending) {
            self.pending_left = self.plan.pending_reads;
        }
        result
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        if self.plan.fail_writes {
            return Err(DiskError::Io {
                what: format!(
                    "injected failure of write of {} bytes at offset {offset}",
                    data.len()
                ),
            });
        }
        self.inner.write(offset, data)
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryDevice;

    fn device(plan: FaultPlan) -> FaultDevice<MemoryDevice> {
        FaultDevice::new(MemoryDevice::from_bytes((0..=255).collect()), plan)
    }

    #[test]
    fn default_plan_is_transparent() {
        let mut d = device(FaultPlan::default());
        let mut buf = [0u8; 4];
        assert_eq!(d.read(10, &mut buf), Ok(Completion::Done));
        assert_eq!(buf, [10, 11, 12, 13]);
        assert_eq!(d.write(0, &[9]), Ok(Completion::Done));
        assert_eq!(d.flush(), Ok(Completion::Done));
        assert_eq!(d.inner().as_bytes()[0], 9);
        assert_eq!(d.size(), 256);
    }

    #[test]
    fn each_read_is_pending_k_times_then_done() {
        let mut d = device(FaultPlan {
            pending_reads: 2,
            ..FaultPlan::default()
        });
        let mut buf = [0u8; 2];
        for _ in 0..2 {
            assert_eq!(d.read(5, &mut buf), Ok(Completion::Pending));
            assert_eq!(d.read(5, &mut buf), Ok(Completion::Pending));
            assert_eq!(buf, [0, 0], "pending transfers nothing");
            assert_eq!(d.read(5, &mut buf), Ok(Completion::Done));
            assert_eq!(buf, [5, 6]);
            buf = [0; 2];
        }
        assert_eq!(d.reads(), 2);
    }

    #[test]
    fn only_the_nth_read_fails() {
        let mut d = device(FaultPlan {
            fail_read: Some(2),
            ..FaultPlan::default()
        });
        let mut buf = [0u8; 1];
        assert_eq!(d.read(0, &mut buf), Ok(Completion::Done));
        let err = d.read(7, &mut buf).unwrap_err();
        assert_eq!(
            err,
            DiskError::Io {
                what: "injected failure of read 2 at offset 7".into()
            }
        );
        assert_eq!(d.read(0, &mut buf), Ok(Completion::Done));
    }

    #[test]
    fn failing_writes_leave_data_alone() {
        let mut d = device(FaultPlan {
            fail_writes: true,
            ..FaultPlan::default()
        });
        assert!(matches!(d.write(3, &[0; 4]), Err(DiskError::Io { .. })));
        assert_eq!(d.inner().as_bytes()[3], 3);
    }
}

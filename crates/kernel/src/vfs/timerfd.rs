//! `timerfd`: a timer whose expirations are read as a 64-bit count.
//!
//! Times are kept on the monotonic clock the run loop passes in (a
//! `CLOCK_REALTIME` deadline is converted when it is set); the kernel never
//! reads a clock. A parked reader or poller wakes at the next expiration
//! through [`SpecialFile::wake_at`].

use super::special::{anon_stat, would_block, PollCtx, SpecialFile};
use super::{Io, Stat};
use crate::abi::errno::Errno;
use crate::abi::poll::{POLLIN, POLLRDNORM};
use crate::sys::SysError;

#[derive(Default)]
pub(crate) struct TimerFd {
    /// On `CLOCK_REALTIME`: absolute times are converted from that clock.
    pub realtime: bool,
    /// Monotonic ns of the next expiration, if armed.
    due: Option<u64>,
    /// Period in ns; 0 for a one-shot timer.
    interval: u64,
    /// Expirations counted but not read yet.
    ticks: u64,
}

impl TimerFd {
    pub fn new(realtime: bool) -> TimerFd {
        TimerFd {
            realtime,
            ..TimerFd::default()
        }
    }

    /// Expirations up to `now` not yet moved into `ticks`, and the next due time.
    fn expired(&self, now: u64) -> (u64, Option<u64>) {
        match self.due {
            Some(due) if due <= now => match (now - due).checked_div(self.interval) {
                // Periodic: every period since `due` has passed too.
                Some(periods) => {
                    let n = periods + 1;
                    (n, Some(due.saturating_add(n.saturating_mul(self.interval))))
                }
                None => (1, None),
            },
            due => (0, due),
        }
    }

    /// Counts expirations up to `now`.
    fn advance(&mut self, now: u64) {
        let (n, due) = self.expired(now);
        self.ticks = self.ticks.saturating_add(n);
        self.due = due;
    }

    /// Arms (`value` > 0, monotonic ns due) or disarms the timer; returns
    /// the old setting as (time left, interval).
    pub fn set(&mut self, now: u64, due: Option<u64>, interval: u64) -> (u64, u64) {
        let old = self.get(now);
        self.due = due;
        self.interval = interval;
        self.ticks = 0;
        old
    }

    /// (time left until the next expiration, interval), both in ns.
    pub fn get(&mut self, now: u64) -> (u64, u64) {
        self.advance(now);
        let left = self.due.map_or(0, |d| d.saturating_sub(now).max(1));
        (left, self.interval)
    }
}

impl SpecialFile for TimerFd {
    fn read(&mut self, io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL.into());
        }
        self.advance(io.now);
        if self.ticks == 0 {
            return Err(match would_block(nonblock) {
                SysError::Block { .. } => SysError::Block { until: self.due },
                e => e,
            });
        }
        buf[..8].copy_from_slice(&self.ticks.to_le_bytes());
        self.ticks = 0;
        Ok(8)
    }

    fn poll(&self, ctx: &PollCtx) -> u16 {
        if self.ticks > 0 || self.expired(ctx.now).0 > 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn wake_at(&self) -> Option<u64> {
        self.due
    }

    fn stat(&self) -> Stat {
        anon_stat()
    }

    fn link(&self) -> String {
        "anon_inode:[timerfd]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_timer_counts_missed_periods() {
        let mut t = TimerFd::default();
        assert_eq!(t.set(0, Some(100), 50), (0, 0));
        assert_eq!(t.expired(99), (0, Some(100)));
        assert_eq!(t.expired(100), (1, Some(150)));
        assert_eq!(t.get(220), (30, 50));
        assert_eq!(t.ticks, 3);
        t.set(220, Some(300), 0);
        assert_eq!(t.ticks, 0);
        t.advance(1000);
        assert_eq!((t.ticks, t.due), (1, None));
        assert_eq!(t.get(1000), (0, 0));
    }
}

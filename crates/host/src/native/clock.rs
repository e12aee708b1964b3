//! The host clocks the kernel reads through [`Now`].

use tabvm_kernel::Now;

use super::sys;

/// Reads CLOCK_MONOTONIC and CLOCK_REALTIME. The guest sees the host's
/// monotonic clock unchanged (so its uptime looks like the host's), which
/// also makes [`RunStatus::Idle`](tabvm_kernel::RunStatus)'s `wake_at`
/// directly comparable with [`Clock::now`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock;

impl Clock {
    pub fn new() -> Clock {
        Clock
    }

    /// The current time on both clocks.
    pub fn now(&self) -> Now {
        Now {
            monotonic_ns: sys::clock_ns(libc::CLOCK_MONOTONIC),
            realtime_ns: sys::clock_ns(libc::CLOCK_REALTIME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_move_forward_and_realtime_is_after_2020() {
        let clock = Clock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b.monotonic_ns >= a.monotonic_ns);
        assert!(a.realtime_ns > 1_577_836_800 * 1_000_000_000);
    }
}

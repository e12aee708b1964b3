//! The browser clocks the kernel reads through [`Now`].

use tabvm_kernel::Now;

use super::js;

/// Reads `performance.now()` (monotonic, from the worker's start) and
/// `Date.now()` (realtime). [`RunStatus::Idle`](tabvm_kernel::RunStatus)'s
/// `wake_at` is on the monotonic clock: divide by 1e6 to compare it with
/// `performance.now()` in JavaScript.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock;

impl Clock {
    pub fn new() -> Clock {
        Clock
    }

    /// The current time on both clocks.
    pub fn now(&self) -> Now {
        Now {
            monotonic_ns: ms_to_ns(js::performance_now()),
            realtime_ns: ms_to_ns(js::date_now()),
        }
    }
}

fn ms_to_ns(ms: f64) -> u64 {
    // `as` saturates: a negative or NaN time (never seen) becomes 0.
    (ms * 1e6) as u64
}

//! What the kernel needs from its platform, implemented by `tabvm-host`.

/// A console output stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The current time, passed in by the caller of [`Kernel::run`](crate::Kernel::run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Nanoseconds since an arbitrary start (CLOCK_MONOTONIC).
    pub monotonic_ns: u64,
    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    pub realtime_ns: u64,
}

/// Platform services. Implementations must not block for long: console
/// writes go to a terminal, pipe or page.
pub trait Host {
    /// Bytes a guest wrote to the console (a tty or the host's stdout/stderr).
    fn write_console(&mut self, stream: Stream, bytes: &[u8]);
    /// Cryptographically random bytes for `getrandom`, `/dev/urandom`, AT_RANDOM.
    fn fill_random(&mut self, buf: &mut [u8]);
    /// One diagnostic line (unimplemented syscall or instruction…).
    fn log(&mut self, line: &str);
}

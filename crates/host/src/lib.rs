//! Platform services for the tabvm kernel: everything that differs between
//! running natively and running in a browser worker.
//!
//! The kernel never reads a clock, sleeps, or touches a terminal (DESIGN rule
//! 1 and "Platform code"); its front ends get those services here. This module
//! is the one place that chooses the platform: `native/` (Unix: stdout,
//! `/dev/urandom`, termios, a stdin thread) and `web/` (wasm32 in a Web
//! Worker: a JS output callback, `crypto.getRandomValues`, `performance.now`)
//! mirror each other's files where they overlap (`host.rs`, `clock.rs`).
//!
//! Must not touch: guest state (that is the kernel's) or argument parsing and
//! event loops (those are the front ends `tabvm-cli` and `tabvm-web`).
//!
//! ```no_run
//! # #[cfg(unix)] {
//! use tabvm_host::{Clock, NativeHost};
//! let clock = Clock::new();
//! let host = NativeHost::new();
//! let now = clock.now(); // pass to Kernel::run
//! # let _ = (host, now); }
//! ```

#[cfg(unix)]
mod native;
#[cfg(unix)]
pub use native::*;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub use web::*;

#[cfg(unix)]
mod hostfs;
#[cfg(unix)]
pub use hostfs::HostDirFs;

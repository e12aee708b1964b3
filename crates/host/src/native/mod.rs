//! Native (Unix) platform services: the [`Host`](tabvm_kernel::Host) the
//! kernel calls, a clock, local block devices and the overlay log file
//! (`blockdev.rs`), chunk files over HTTP (`http_source.rs`), the host terminal, and console events (stdin bytes, end
//! of input, window size changes) delivered on a channel so the front
//! end's loop can wait for "input or timeout" without the kernel blocking.

mod blockdev;
mod clock;
mod console;
mod host;
mod http_source;
mod sys;
mod terminal;

pub use blockdev::{ChunkDirDevice, FileDevice, FileStore, MANIFEST_NAME};
pub use clock::Clock;
pub use console::{console_events, ConsoleEvent};
pub use host::NativeHost;
pub use http_source::{HttpSource, ImageUrl, Traffic, Wake};
pub use terminal::{is_terminal, window_size, RawMode};

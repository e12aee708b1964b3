//! The host terminal: raw mode while a guest owns it, and its window size.
//!
//! Raw mode hands every key to the guest unchanged (Ctrl-C arrives as byte 3,
//! not as SIGINT for tabvm): the guest kernel's tty does the line discipline.
//! The original settings come back when [`RawMode`] is dropped, when the
//! process panics, and when [`restore`] is called before `process::exit`.

use std::io::IsTerminal;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Mutex;

use super::sys;

/// The settings to restore and the fd they belong to; shared with the panic
/// hook and the signal thread, which may run on other threads.
static SAVED: Mutex<Option<(RawFd, libc::termios)>> = Mutex::new(None);

/// Whether host fd 0, 1 or 2 is a terminal.
pub fn is_terminal(fd: RawFd) -> bool {
    match fd {
        0 => std::io::stdin().is_terminal(),
        1 => std::io::stdout().is_terminal(),
        2 => std::io::stderr().is_terminal(),
        _ => false,
    }
}

/// (rows, columns) of the terminal on `fd`, if it is one.
pub fn window_size(fd: RawFd) -> Option<(u16, u16)> {
    sys::window_size(fd)
}

/// The host terminal is in raw mode while this lives.
#[must_use = "the terminal returns to normal mode when this is dropped"]
pub struct RawMode(());

impl RawMode {
    /// Puts the terminal on stdin into raw mode. Fails if stdin is not a
    /// terminal.
    pub fn enable() -> std::io::Result<RawMode> {
        let fd = std::io::stdin().as_raw_fd();
        let original = sys::tcgetattr(fd)?;
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some((fd, original));
        install_panic_hook();
        sys::tcsetattr(fd, &sys::make_raw(&original))?;
        Ok(RawMode(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as it was before [`RawMode::enable`]; does nothing
/// if raw mode is not on. Safe to call more than once and from any thread.
pub fn restore() {
    let saved = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some((fd, original)) = saved {
        let _ = sys::tcsetattr(fd, &original);
    }
}

/// A panic message printed in raw mode would be a staircase and the shell
/// after it unusable, so restore first, then let the usual hook report.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

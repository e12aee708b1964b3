//! The only unsafe code of the native host: thin, safe wrappers over the
//! libc calls that std does not offer (clocks by id, getrandom, termios,
//! TIOCGWINSZ, signal masks).
#![expect(
    unsafe_code,
    reason = "foreign calls into libc, each wrapped safely here"
)]

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

/// Nanoseconds on clock `id` (0 if the clock is unavailable, which the
/// clocks we use never are on Linux).
pub fn clock_ns(id: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return 0;
    }
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// Fills `buf` from the kernel's entropy pool, retrying short reads.
pub fn getrandom(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is valid for writes of `rest.len()` bytes.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n > 0 {
            done += n as usize;
        } else if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            // No entropy source at all: leave the rest as it is rather than
            // spin; this does not happen on any supported host.
            return;
        }
    }
}

/// The terminal attributes of `fd`.
pub fn tcgetattr(fd: RawFd) -> io::Result<libc::termios> {
    let mut t = MaybeUninit::<libc::termios>::uninit();
    // SAFETY: `t` is writable; on success tcgetattr initialised it fully.
    if unsafe { libc::tcgetattr(fd, t.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: tcgetattr returned 0, so `t` is initialised.
    Ok(unsafe { t.assume_init() })
}

/// Sets the terminal attributes of `fd` once pending output is written.
pub fn tcsetattr(fd: RawFd, t: &libc::termios) -> io::Result<()> {
    // SAFETY: `t` points to a valid termios for the duration of the call.
    if unsafe { libc::tcsetattr(fd, libc::TCSADRAIN, t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `t` changed to raw mode: no echo, no line editing, no signals from keys,
/// no output processing.
pub fn make_raw(t: &libc::termios) -> libc::termios {
    let mut raw = *t;
    // SAFETY: `raw` is a valid termios; cfmakeraw only changes its flags.
    unsafe { libc::cfmakeraw(&mut raw) };
    raw
}

/// The window size (rows, columns) of the terminal on `fd`.
pub fn window_size(fd: RawFd) -> Option<(u16, u16)> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the valid `ws`.
    let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}

fn sigset(signals: &[libc::c_int]) -> libc::sigset_t {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initialises the set; sigaddset only updates it.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        for &s in signals {
            libc::sigaddset(set.as_mut_ptr(), s);
        }
        set.assume_init()
    }
}

/// Blocks `signals` in the calling thread (and threads it starts later), so
/// they stay pending until [`wait_signal`] takes them.
pub fn block_signals(signals: &[libc::c_int]) {
    let set = sigset(signals);
    // SAFETY: `set` is an initialised sigset; the old mask is not wanted.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
}

/// Waits until one of the blocked `signals` is pending and returns it.
pub fn wait_signal(signals: &[libc::c_int]) -> libc::c_int {
    let set = sigset(signals);
    let mut sig = 0;
    // SAFETY: `set` and `sig` are valid for the duration of the call.
    while unsafe { libc::sigwait(&set, &mut sig) } != 0 {}
    sig
}

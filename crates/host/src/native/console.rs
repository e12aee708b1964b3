//! Console events for the front end's loop: bytes from stdin, end of input,
//! window size changes and termination signals, all on one channel.
//!
//! Reading stdin blocks, and the kernel must never block (DESIGN rule 1), so
//! a thread reads and sends what it gets; the loop waits on the channel with
//! a timeout when the kernel is idle. Signals are taken the same way: they
//! are blocked in every thread and one thread `sigwait`s for them, so no
//! async signal handler is needed.

use std::io::Read;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

use super::{sys, terminal};

/// Something that happened on the host console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleEvent {
    /// Bytes typed or piped into stdin.
    Input(Vec<u8>),
    /// Stdin reached its end (or failed); no `Input` follows.
    Eof,
    /// The terminal window now has this many rows and columns.
    Resize { rows: u16, cols: u16 },
    /// tabvm was asked to stop (SIGTERM, SIGHUP, SIGINT or SIGQUIT sent by
    /// another process; keys do not send these in raw mode).
    Signal(i32),
}

/// Signals the signal thread takes while a terminal is in raw mode.
const TERMINATING: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT];

/// Starts the stdin reader and, if `terminal` (the host terminal is in raw
/// mode and must be restored before tabvm dies), the signal thread. Call
/// this before starting any other thread, so every thread inherits the
/// blocked signal mask.
pub fn console_events(terminal: bool) -> Receiver<ConsoleEvent> {
    let (tx, rx) = channel();
    if terminal {
        let mut signals = TERMINATING.to_vec();
        signals.push(libc::SIGWINCH);
        sys::block_signals(&signals);
        let tx = tx.clone();
        thread::Builder::new()
            .name("tabvm-signals".into())
            .spawn(move || watch_signals(&signals, &tx))
            .expect("starting the signal thread");
    }
    thread::Builder::new()
        .name("tabvm-stdin".into())
        .spawn(move || read_stdin(&tx))
        .expect("starting the stdin thread");
    rx
}

fn read_stdin(tx: &Sender<ConsoleEvent>) {
    // Big enough for a paste to arrive in one event, small enough to keep
    // the guest's tty buffer from filling in one go.
    let mut buf = [0u8; 4096];
    let mut stdin = std::io::stdin().lock();
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tx.send(ConsoleEvent::Input(buf[..n].to_vec())).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = tx.send(ConsoleEvent::Eof);
}

fn watch_signals(signals: &[libc::c_int], tx: &Sender<ConsoleEvent>) {
    loop {
        let sig = sys::wait_signal(signals);
        let event = if sig == libc::SIGWINCH {
            match terminal::window_size(0) {
                Some((rows, cols)) => ConsoleEvent::Resize { rows, cols },
                None => continue,
            }
        } else {
            ConsoleEvent::Signal(sig)
        };
        if tx.send(event).is_err() {
            return;
        }
    }
}

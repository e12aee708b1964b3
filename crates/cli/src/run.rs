//! `tabvm run`: one guest program on the host's console.
//!
//! The loop: hand pending console events to the kernel, let it run, and
//! when every guest task waits, block on the event channel until input
//! arrives or the kernel's `wake_at` passes. Only this loop ever waits; the
//! kernel never does (DESIGN rule 1).

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use tabvm_host::{
    console_events, is_terminal, window_size, Clock, ConsoleEvent, HostDirFs, NativeHost, RawMode,
};
use tabvm_kernel::{Config, Kernel, RunStatus, Spawn, SpawnError};

use crate::args::RunArgs;
use crate::{EXIT_FAILURE, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND};

/// Why a run ended before the guest could: a message and the exit status.
pub struct RunError(pub String, pub i32);

/// Runs the program and returns the guest's exit status.
pub fn run(args: RunArgs, log: bool) -> Result<i32, RunError> {
    let root = &args.root;
    if !root.is_dir() {
        let what = if root.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(RunError(
            format!("root directory '{}' {what}", root.display()),
            EXIT_FAILURE,
        ));
    }
    let fs = HostDirFs::new(root).map_err(|e| {
        RunError(
            format!("cannot use '{}' as the root: {e}", root.display()),
            EXIT_FAILURE,
        )
    })?;
    let stdin_tty = is_terminal(0);
    let config = Config {
        root: Box::new(fs),
        tty: [stdin_tty, is_terminal(1), is_terminal(2)],
        log,
    };
    let mut kernel = Kernel::new(config, Box::new(NativeHost::new()));
    if let Some((rows, cols)) = window_size(0).filter(|_| stdin_tty) {
        kernel.console_resize(rows, cols);
    }
    let mut argv = vec![args.program.clone()];
    argv.extend(args.args);
    let spawn = Spawn {
        path: args.program,
        argv,
        envp: args.env,
        cwd: args.cwd,
    };
    kernel.spawn(spawn).map_err(|e| {
        let status = match e {
            SpawnError::NotFound(_) => EXIT_NOT_FOUND,
            SpawnError::BadExecutable(_) => EXIT_NOT_EXECUTABLE,
        };
        RunError(e.to_string(), status)
    })?;
    // Raw mode only once the program is known to start, so errors above
    // print on a normal terminal. If it fails, the guest's tty still works,
    // just with the host's echo and line editing doubled.
    let raw = stdin_tty.then(RawMode::enable).and_then(Result::ok);
    let events = console_events(raw.is_some());
    Ok(drive(&mut kernel, &events))
}

/// Runs the kernel until the guest exits or tabvm is told to stop.
fn drive(kernel: &mut Kernel, events: &Receiver<ConsoleEvent>) -> i32 {
    let clock = Clock::new();
    loop {
        for event in events.try_iter() {
            if let Some(status) = deliver(kernel, event) {
                return status;
            }
        }
        let wake_at = match kernel.run(clock.now()) {
            RunStatus::Busy => continue,
            RunStatus::Exited { status } => return status,
            RunStatus::Idle { wake_at } => wake_at,
        };
        let event = match wake_at {
            Some(at) => {
                let wait = Duration::from_nanos(at.saturating_sub(clock.now().monotonic_ns));
                match events.recv_timeout(wait) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => continue,
                    // No more input can come; only time can wake the guest.
                    Err(RecvTimeoutError::Disconnected) => {
                        std::thread::sleep(wait);
                        continue;
                    }
                }
            }
            None => match events.recv() {
                Ok(event) => event,
                // Nothing can ever wake the guest: it hangs, as it would on
                // Linux, until tabvm is killed.
                Err(_) => loop {
                    std::thread::park();
                },
            },
        };
        if let Some(status) = deliver(kernel, event) {
            return status;
        }
    }
}

/// Passes one console event to the kernel; `Some(status)` if tabvm must
/// stop now (it was sent a terminating signal).
fn deliver(kernel: &mut Kernel, event: ConsoleEvent) -> Option<i32> {
    match event {
        ConsoleEvent::Input(bytes) => kernel.console_input(&bytes),
        ConsoleEvent::Eof => kernel.console_eof(),
        ConsoleEvent::Resize { rows, cols } => kernel.console_resize(rows, cols),
        ConsoleEvent::Signal(sig) => return Some(128 + sig),
    }
    None
}

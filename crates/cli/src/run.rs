//! `tabvm run`: one guest program on the host's console.
//!
//! The loop: hand pending events to the kernel, let it run, and when every
//! guest task waits, block on the event channel until console input
//! arrives, a streamed disk's fetch finishes, or the kernel's `wake_at`
//! passes. Only this loop ever waits; the kernel never does (DESIGN rule 1).

use std::path::Path;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use tabvm_host::{
    console_events, is_terminal, window_size, Clock, ConsoleEvent, HostDirFs, NativeHost, RawMode,
    Wake,
};
use tabvm_jit::CompileStats;
use tabvm_kernel::vfs::FileSystem;
use tabvm_kernel::{Config, Kernel, RunStatus, Spawn, SpawnError};

use crate::args::RunArgs;
use crate::{EXIT_FAILURE, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND};

/// Why a run ended before the guest could: a message and the exit status.
pub struct RunError(pub String, pub i32);

/// What the loop waits for.
enum Event {
    Console(ConsoleEvent),
    /// A streamed disk finished a fetch: tasks waiting on it may go on.
    Disk,
}

/// Runs the program and returns the guest's exit status.
pub fn run(args: RunArgs, log: bool) -> Result<i32, RunError> {
    let (events_tx, events) = mpsc::channel();
    let disk_tx = events_tx.clone();
    let wake: Wake = Arc::new(move || {
        let _ = disk_tx.send(Event::Disk);
    });
    // Before the guest starts, only fetches can arrive.
    let wait_disk = || {
        let _ = events.recv();
    };
    let mut traffic = None;
    let (fs, passwd, passwd_place): (Box<dyn FileSystem>, _, _) = match &args.image {
        Some(url) if crate::image::remote::is_url(url) => {
            let url = url.to_string_lossy();
            let (fs, passwd, counters) = crate::image::remote::open(
                &url,
                args.overlay.as_deref(),
                args.reset,
                wake,
                &wait_disk,
            )
            .map_err(|e| RunError(e, EXIT_FAILURE))?;
            let place = format!("/etc/passwd of {url}");
            traffic = Some((url.into_owned(), counters));
            (Box::new(fs), passwd, place)
        }
        Some(image) => {
            let (fs, passwd) = crate::image::root::open(image, args.overlay.as_deref(), args.reset)
                .map_err(|e| RunError(e, EXIT_FAILURE))?;
            (
                Box::new(fs),
                passwd,
                format!("/etc/passwd of {}", image.display()),
            )
        }
        None => {
            let fs = host_root(&args.root)?;
            let path = args.root.join("etc/passwd");
            let passwd = std::fs::read_to_string(&path).unwrap_or_default();
            (Box::new(fs), passwd, path.display().to_string())
        }
    };
    let (uid, gid) = match &args.user {
        Some(u) => {
            resolve_user(&passwd, &passwd_place, u).map_err(|e| RunError(e, EXIT_FAILURE))?
        }
        None => (0, 0),
    };
    let stdin_tty = is_terminal(0);
    let config = Config {
        root: fs,
        tty: [stdin_tty, is_terminal(1), is_terminal(2)],
        log,
    };
    let jit = install_jit()?;
    let mut kernel = Kernel::new(config, Box::new(NativeHost::new()));
    // A guest root other than the host's own is a whole system: it gets a
    // tmpfs /tmp like a booted one (with root /, the host's /tmp stays
    // visible, as under qemu-user).
    if args.image.is_some() || args.root.canonicalize().is_ok_and(|r| r != Path::new("/")) {
        kernel.private_tmp();
    }
    kernel.set_trace(std::env::var_os("TABVM_TRACE").is_some_and(|v| v == "1"));
    if let Some((rows, cols)) = window_size(0).filter(|_| stdin_tty) {
        kernel.console_resize(rows, cols);
    }
    if traffic.is_some() {
        kernel.enable_device_wakeups();
    }
    let mut argv = vec![args.program.clone()];
    argv.extend(args.args);
    let spawned = loop {
        let spawn = Spawn {
            path: args.program.clone(),
            argv: argv.clone(),
            envp: args.env.clone(),
            cwd: args.cwd.clone(),
            uid,
            gid,
        };
        match kernel.spawn(spawn) {
            Err(SpawnError::DeviceWait) => wait_disk(),
            other => break other,
        }
    };
    spawned.map_err(|e| {
        let status = match e {
            SpawnError::NotFound(_) => EXIT_NOT_FOUND,
            SpawnError::BadExecutable(_) | SpawnError::DeviceWait => EXIT_NOT_EXECUTABLE,
        };
        RunError(e.to_string(), status)
    })?;
    // Raw mode only once the program is known to start, so errors above
    // print on a normal terminal. If it fails, the guest's tty still works,
    // just with the host's echo and line editing doubled.
    let raw = stdin_tty.then(RawMode::enable).and_then(Result::ok);
    let console = console_events(raw.is_some());
    std::thread::spawn(move || {
        for event in console {
            if events_tx.send(Event::Console(event)).is_err() {
                return;
            }
        }
    });
    let status = drive(&mut kernel, &events);
    if log || std::env::var_os("TABVM_STATS").is_some_and(|v| v == "1") {
        if let Some((url, counters)) = traffic {
            eprintln!("tabvm: {url}: {}", counters.summary());
        }
        if let Some(jit) = jit {
            eprintln!("tabvm: jit: {jit}");
        }
    }
    Ok(status)
}

/// The host directory `root` as the guest root.
fn host_root(root: &Path) -> Result<HostDirFs, RunError> {
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
    HostDirFs::new(root).map_err(|e| {
        RunError(
            format!("cannot use '{}' as the root: {e}", root.display()),
            EXIT_FAILURE,
        )
    })
}

/// Runs the kernel until the guest exits or tabvm is told to stop.
fn drive(kernel: &mut Kernel, events: &Receiver<Event>) -> i32 {
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

/// Passes one event to the kernel; `Some(status)` if tabvm must stop now
/// (it was sent a terminating signal).
fn deliver(kernel: &mut Kernel, event: Event) -> Option<i32> {
    let event = match event {
        Event::Disk => {
            kernel.device_ready();
            return None;
        }
        Event::Console(event) => event,
    };
    match event {
        ConsoleEvent::Input(bytes) => kernel.console_input(&bytes),
        ConsoleEvent::Eof => kernel.console_eof(),
        ConsoleEvent::Resize { rows, cols } => kernel.console_resize(rows, cols),
        ConsoleEvent::Signal(sig) => return Some(128 + sig),
    }
    None
}

/// The uid and gid of `--user`: `UID:GID`, or a name or uid looked up in the
/// root's /etc/passwd, `passwd`, found at `place` (a uid it lacks runs with
/// the same number as gid).
fn resolve_user(passwd: &str, place: &str, user: &str) -> Result<(u32, u32), String> {
    if let Some((u, g)) = user.split_once(':') {
        return match (u.parse(), g.parse()) {
            (Ok(u), Ok(g)) => Ok((u, g)),
            _ => Err(format!("--user wants NAME, UID or UID:GID, got '{user}'")),
        };
    }
    let entry = passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        let ids = (f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?);
        (f[0] == user || f[2] == user).then_some(ids)
    });
    match (entry, user.parse::<u32>()) {
        (Some(ids), _) => Ok(ids),
        (None, Ok(uid)) => Ok((uid, uid)),
        (None, Err(_)) => Err(format!("no user '{user}' in {place}")),
    }
}

/// Installs the JIT as `TABVM_JIT` asks: `on` (the default: translate hot
/// code), `off` (interpret only) or `force` (translate every block at once,
/// for testing the translator). Returns its counters if installed.
fn install_jit() -> Result<Option<Rc<CompileStats>>, RunError> {
    let asked = std::env::var("TABVM_JIT").ok();
    let mode = match asked.as_deref() {
        None => tabvm_cpu::JitMode::On,
        Some(value) => tabvm_cpu::JitMode::parse(value).ok_or_else(|| {
            RunError(
                format!("TABVM_JIT={value}: expected off, on or force"),
                EXIT_FAILURE,
            )
        })?,
    };
    if mode == tabvm_cpu::JitMode::Off {
        return Ok(None);
    }
    match tabvm_jit::WasmtimeEngine::new() {
        Ok(engine) => {
            let stats = engine.stats();
            tabvm_cpu::install_jit(mode, Box::new(engine));
            Ok(Some(stats))
        }
        // Without a request, the interpreter alone is a fine fallback.
        Err(e) if asked.is_none() => {
            eprintln!("tabvm: jit unavailable, interpreting: {e}");
            Ok(None)
        }
        Err(e) => Err(RunError(format!("jit: {e}"), EXIT_FAILURE)),
    }
}

//! Syscall fuzz test (DESIGN rule 3: a guest never makes the engine panic).
//!
//! `tests/fuzz/syscalls.c` makes thousands of random system calls with hostile
//! arguments, deterministically from a seed. Each seed runs under `tabvm run` and
//! must end the way the program does natively: exit status 0 after printing its
//! count — never 101 (a Rust panic), never "panicked" on stderr, never a hang.
//!
//! The guest creates, renames, chmods and truncates files with random names, so
//! its root is never the host's `/`: every seed gets a fresh directory under
//! cargo's scratch space holding only the program and an empty `/tmp`, removed
//! afterwards.

mod common;

use common::{parallel_map, require_gcc_m32, scratch, tabvm_bin, I386_STATIC};
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SEEDS: &[u32] = &[1, 2, 3, 5, 8, 13, 21, 34, 55, 89];
const CALLS: u32 = 5000;

/// A run this long is stuck, not slow: each seed takes about a second. This is a
/// hang detector (a parked call never woken), not a performance assertion.
const WATCHDOG: Duration = Duration::from_secs(120);

/// A guest root holding just the fuzzer; removed when dropped.
struct GuestRoot(PathBuf);

impl GuestRoot {
    fn new(seed: u32, program: &Path) -> GuestRoot {
        let dir = scratch("syscall-fuzz").join(format!("root{seed}"));
        remove_tree(&dir);
        fs::create_dir_all(dir.join("tmp")).expect("create guest /tmp");
        fs::copy(program, dir.join("fz")).expect("copy fuzzer into the guest root");
        GuestRoot(dir)
    }
}

impl Drop for GuestRoot {
    fn drop(&mut self) {
        remove_tree(&self.0);
    }
}

/// Removes `dir`, first giving back the permissions the guest's random chmod
/// calls took away (a directory without `x` cannot be emptied otherwise).
fn remove_tree(dir: &Path) {
    fn unlock(dir: &Path) {
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                unlock(&entry.path());
            }
        }
    }
    if fs::symlink_metadata(dir).is_ok() {
        unlock(dir);
        fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("cannot remove {}: {e}", dir.display()));
    }
}

/// Collects a child's pipe on a thread, so a full pipe never stalls the guest.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child`, killing it (by its own PID, through `Child::kill`) if it
/// outlives the watchdog. Returns the exit code, or `None` after a hang.
fn wait_or_kill(child: &mut Child) -> Option<Option<i32>> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for tabvm") {
            return Some(status.code());
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Runs one seed; returns a description of what went wrong, if anything.
fn run_seed(program: &Path, seed: u32) -> Option<String> {
    let root = GuestRoot::new(seed, program);
    let mut child = Command::new(tabvm_bin())
        .arg("run")
        .arg("--root")
        .arg(&root.0)
        .args(["--", "/fz", &seed.to_string(), &CALLS.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tabvm");
    let stdout = drain(child.stdout.take().expect("stdout pipe"));
    let stderr = drain(child.stderr.take().expect("stderr pipe"));
    let status = wait_or_kill(&mut child);
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    let problem = match status {
        None => Some(format!("hung: killed after {WATCHDOG:?}")),
        Some(Some(101)) => Some("tabvm panicked (exit status 101)".to_string()),
        Some(code) if code != Some(0) => Some(format!("exit status {code:?}, expected 0")),
        _ if stderr.contains("panicked") => Some("\"panicked\" on stderr".to_string()),
        _ if !stdout.starts_with("calls ") => Some(format!("no final count on stdout: {stdout:?}")),
        _ => None,
    };
    problem.map(|p| format!("seed {seed}: {p}\n  reproduce: tabvm run --root DIR -- /fz {seed} {CALLS}\n  stderr: {stderr}"))
}

#[test]
fn random_syscalls_never_panic_or_hang() {
    require_gcc_m32();
    let src = common::repo_root().join("tests/fuzz/syscalls.c");
    let mut flags = I386_STATIC.to_vec();
    flags.push("-O2");
    let program = common::compile(&src, &flags, "O2").unwrap_or_else(|e| panic!("{e}"));
    let failures: Vec<String> = parallel_map(SEEDS, |&seed| run_seed(&program, seed))
        .into_iter()
        .flatten()
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed:\n{}",
        failures.len(),
        SEEDS.len(),
        failures.join("\n")
    );
}

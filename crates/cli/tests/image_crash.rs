//! Crash consistency of `tabvm run --image IMG --overlay F`: a guest write
//! workload (`tests/image/crash_workload.c`) is killed with SIGKILL at a
//! random moment, 50 times over the same overlay. After every kill the
//! merged image must pass `e2fsck -fn`, and every file the workload reported
//! as synced (it prints `synced PATH HASH` once fsync, fdatasync, syncfs or
//! sync has returned) must read back with that hash. Each run also starts
//! from the overlay the previous kill left, so opening a torn log is tested
//! 50 times too.
//!
//! The kill delays come from a seed printed at the start and in every
//! failure message; `TABVM_CRASH_SEED=N` repeats a run. Needs e2fsprogs and
//! `gcc -m32 -static`.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::image::e2fsck_problems;
use common::{compile, fresh_dir, repo_root, require_gcc_m32, scratch, tabvm_bin, I386_STATIC};
use tabvm_ext2::{Ext2, MountOptions};
use tabvm_host::FileDevice;

const KILLS: u32 = 50;
/// Rounds per run: about a second of work under tabvm, so most kills land
/// while the workload runs (a kill after it is done still checks a clean
/// shutdown).
const ROUNDS: u32 = 400;
/// Kills come after a uniformly random delay below this.
const MAX_DELAY_MS: u64 = 1500;
/// Where the workload writes in the guest.
const DATA: &str = "/data";

/// xorshift64: the kill delays, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// 64-bit FNV-1a, as the workload prints it.
fn fnv(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("start command");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What one run printed, and whether the kill found it still running.
struct Run {
    lines: Vec<String>,
    killed: bool,
}

impl Run {
    /// Killed after the workload started, before it was done.
    fn killed_mid_run(&self) -> bool {
        self.killed && self.lines.first().is_some_and(|l| l == "start")
    }
}

/// Runs the workload as run `run` and kills tabvm after `delay`.
fn run_and_kill(image: &Path, overlay: &Path, run: u32, seed: u64, delay: Duration) -> Run {
    let mut child = Command::new(tabvm_bin())
        .args(["run", "--image"])
        .arg(image)
        .arg("--overlay")
        .arg(overlay)
        .args(["--", "/bin/crash_workload", DATA])
        .arg(run.to_string())
        .arg(seed.to_string())
        .arg(ROUNDS.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tabvm");
    let stdout = child.stdout.take().expect("piped stdout");
    // Lines are read as they come, so a full pipe never stalls the guest.
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let start = Instant::now();
    let mut killed = false;
    while start.elapsed() < delay {
        if child.try_wait().expect("poll tabvm").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if child.try_wait().expect("poll tabvm").is_none() {
        child.kill().expect("SIGKILL tabvm");
        killed = true;
    }
    let status = child.wait().expect("reap tabvm");
    let lines = reader.join().expect("stdout reader");
    assert!(
        killed || status.success(),
        "run {run} failed by itself ({status}): {lines:?}"
    );
    Run { lines, killed }
}

/// The contents of `path` in the ext2 image file `image`.
fn read_image_file(image: &Path, path: &str) -> Result<Vec<u8>, String> {
    let dev = FileDevice::open(image, false).map_err(|e| e.to_string())?;
    let mut fs = Ext2::mount(dev, MountOptions { read_only: true })
        .map_err(|e| format!("mount: {}", e.error))?;
    let mut ino = fs.root();
    for name in path.split('/').filter(|c| !c.is_empty()) {
        ino = fs
            .lookup(ino, name.as_bytes())
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let size = fs.stat(ino).map_err(|e| format!("{path}: {e}"))?.size;
    let mut buf = vec![0; size as usize];
    let n = fs
        .read(ino, 0, &mut buf)
        .map_err(|e| format!("{path}: {e}"))?;
    buf.truncate(n);
    Ok(buf)
}

/// The run number in `/data/runN/fM`.
fn run_of(path: &str) -> u32 {
    let dir = path.rsplit('/').nth(1).expect("a file in a run directory");
    dir.trim_start_matches("run").parse().expect("run number")
}

#[test]
fn kills_at_random_moments_leave_a_clean_volume_with_every_synced_file() {
    require_gcc_m32();
    let workload = compile(
        &repo_root().join("tests/image/crash_workload.c"),
        I386_STATIC,
        "crash",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch("image-crash");
    fresh_dir(&dir);
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join(&DATA[1..])).unwrap();
    std::fs::copy(&workload, tree.join("bin/crash_workload")).unwrap();
    let image = dir.join("root.ext2");
    run_ok(
        Command::new(tabvm_bin())
            .args(["image", "build", "--from-dir"])
            .arg(&tree)
            .args(["--size", "64M"])
            .arg(&image),
    );
    let (overlay, merged) = (dir.join("root.overlay"), dir.join("merged.ext2"));

    let seed = std::env::var("TABVM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.expect("clock after 1970").as_nanos() as u64 | 1
        });
    eprintln!("crash test seed {seed} (TABVM_CRASH_SEED={seed} repeats it)");
    let mut rng = Rng(seed);
    // Every synced file still expected: path -> hash. A run deletes the
    // directory of the run three before it, so only the last three count.
    let mut synced = BTreeMap::new();
    let mut mid_run = 0;
    for run in 1..=KILLS {
        let delay = Duration::from_millis(rng.below(MAX_DELAY_MS));
        let context = format!("seed {seed}, run {run}, kill after {delay:?}");
        let out = run_and_kill(&image, &overlay, run, seed ^ u64::from(run), delay);
        mid_run += u32::from(out.killed_mid_run());
        synced.retain(|path: &String, _| run_of(path) + 3 > run);
        for line in &out.lines {
            if let Some(rest) = line.strip_prefix("synced ") {
                let (path, hash) = rest.split_once(' ').expect("synced PATH HASH");
                synced.insert(path.to_owned(), hash.to_owned());
            }
        }

        run_ok(
            Command::new(tabvm_bin())
                .args(["image", "merge"])
                .arg(&image)
                .arg(&overlay)
                .arg(&merged),
        );
        if let Some(report) = e2fsck_problems(&merged) {
            panic!("{context}: e2fsck -fn of the merged image:\n{report}");
        }
        for (path, hash) in &synced {
            match read_image_file(&merged, path) {
                Ok(bytes) if fnv(&bytes) == *hash => {}
                Ok(bytes) => panic!(
                    "{context}: synced file {path} reads back changed ({} bytes, hash {} \
                     instead of {hash})",
                    bytes.len(),
                    fnv(&bytes)
                ),
                Err(e) => panic!("{context}: synced file lost: {e}"),
            }
        }
    }
    eprintln!(
        "{KILLS} kills, {mid_run} while the workload ran; {} synced files checked last",
        synced.len()
    );
    // Too few kills mid-run would test little: the workload got faster (or
    // hangs), and ROUNDS or MAX_DELAY_MS need retuning.
    assert!(
        mid_run >= KILLS / 2,
        "seed {seed}: only {mid_run} of {KILLS} kills landed while the workload ran"
    );
}

//! Shared helpers for the differential tests (`guest_corpus`, `busybox`, `errors`):
//! build guest C programs with `gcc -m32 -static`, run a guest natively and under
//! `tabvm run`, and describe how two runs differ.
//!
//! Native execution is the oracle (DESIGN rule 4): every helper here runs the same
//! program, arguments, environment, working directory and stdin both ways, and the
//! comparison is byte for byte on stdout, stderr and exit status.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(
    dead_code,
    reason = "each test binary includes this module and uses a subset"
)]

pub mod debian;
pub mod image;

use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// gcc flags for a static, non-PIE i386 executable (what tabvm runs today).
pub const I386_STATIC: &[&str] = &["-m32", "-static", "-fno-pie", "-no-pie"];

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Scratch space that cargo keeps per target directory; binaries are cached here.
pub fn scratch(sub: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(sub);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Removes and recreates `dir`, so every run starts in an empty working directory.
pub fn fresh_dir(dir: &Path) {
    match fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => panic!("cannot clear {}: {e}", dir.display()),
    }
    fs::create_dir_all(dir).expect("create work dir");
}

/// Fails the test with an actionable message unless `gcc -m32 -static` works.
/// CI installs gcc-multilib; a missing toolchain must never look like a pass.
pub fn require_gcc_m32() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        let dir = scratch("gcc-probe");
        let src = dir.join("probe.c");
        fs::write(&src, "int main(void) { return 0; }\n").expect("write probe");
        compile(&src, I386_STATIC, "probe").map(|_| ())
    });
    if let Err(e) = result {
        panic!(
            "`gcc -m32 -static` does not work on this machine, so the differential tests \
             cannot run. Install gcc-multilib (Debian: apt-get install gcc-multilib).\n{e}"
        );
    }
}

/// 64-bit FNV-1a over the parts (each followed by a separator byte): the key of the
/// compile cache. std's `DefaultHasher` is not specified to be stable across Rust
/// releases; this is, and it is a few lines.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xffu8]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Compiles `src` with gcc and `flags` (plus `-lm`) into the cache and returns the
/// executable. The output name contains a hash of source and flags, so an unchanged
/// program is not rebuilt; a new binary is written under a temporary name and renamed,
/// so parallel or interrupted builds never leave a half-written executable.
pub fn compile(src: &Path, flags: &[&str], tag: &str) -> Result<PathBuf, String> {
    let text = fs::read(src).map_err(|e| format!("read {}: {e}", src.display()))?;
    let joined = flags.join(" ");
    let key = fnv1a(&[&text, joined.as_bytes()]);
    let stem = src.file_stem().and_then(|s| s.to_str()).unwrap_or("prog");
    let out = scratch("guest-bin").join(format!("{stem}-{tag}-{key:016x}"));
    if out.exists() {
        return Ok(out);
    }
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let tmp = out.with_extension(format!(
        "tmp{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = Command::new("gcc")
        .args(flags)
        .arg("-o")
        .arg(&tmp)
        .arg(src)
        .arg("-lm")
        .output()
        .map_err(|e| format!("cannot start gcc: {e}"))?;
    if !result.status.success() {
        let _ = fs::remove_file(&tmp);
        return Err(format!(
            "gcc {joined} {} failed:\n{}",
            src.display(),
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    fs::rename(&tmp, &out).map_err(|e| format!("rename {}: {e}", tmp.display()))?;
    Ok(out)
}

/// Applies `f` to every item on a few threads (the machine is small; tests run
/// alongside other builds) and returns the results in input order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("worker thread panicked") {
                slots[i] = Some(r);
            }
        }
    });
    slots
        .into_iter()
        .map(|r| r.expect("every item processed"))
        .collect()
}

/// One guest invocation, run the same way natively and under tabvm.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// Absolute path of the program (identical inside the guest, whose root is `/`).
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// The complete environment; nothing is inherited from the test process.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    /// File to connect to stdin; `/dev/null` when absent.
    pub stdin: Option<PathBuf>,
}

/// What a run produced. `status` follows the shell convention: the exit code, or
/// 128 + N for death by signal N (which is also what `tabvm run` exits with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

impl Outcome {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

pub fn shell_status(s: ExitStatus) -> i32 {
    s.code()
        .or_else(|| s.signal().map(|n| 128 + n))
        .unwrap_or(-1)
}

/// Path of the tabvm binary under test.
pub fn tabvm_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tabvm")
}

/// Passes the test's `TABVM_JIT` on to a `tabvm` command whose environment
/// was cleared, so every differential suite can run in each JIT mode.
pub fn keep_jit_mode(cmd: &mut Command) -> &mut Command {
    if let Some(mode) = std::env::var_os("TABVM_JIT") {
        cmd.env("TABVM_JIT", mode);
    }
    cmd
}

impl Invocation {
    pub fn new(program: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> Self {
        Invocation {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: cwd.into(),
            stdin: None,
        }
    }

    /// Runs `cmd` (whose environment the caller already set) in `cwd` with `stdin`.
    fn execute(&self, mut cmd: Command) -> Outcome {
        let stdin = match &self.stdin {
            Some(path) => Stdio::from(fs::File::open(path).expect("open stdin file")),
            None => Stdio::null(),
        };
        let out = cmd
            .current_dir(&self.cwd)
            .stdin(stdin)
            .output()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
        Outcome {
            stdout: out.stdout,
            stderr: out.stderr,
            status: shell_status(out.status),
        }
    }

    /// Runs the program directly on the host (the oracle).
    pub fn run_native(&self) -> Outcome {
        let mut cmd = Command::new(&self.program);
        cmd.env_clear()
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        self.execute(cmd)
    }

    /// Runs the program under `tabvm run --root /`, with `extra` flags before `--`.
    pub fn run_tabvm(&self, extra: &[&str]) -> Outcome {
        self.execute(self.tabvm_command(extra))
    }

    /// The `tabvm run` command line for this invocation (also used for reporting).
    pub fn tabvm_command(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::new(tabvm_bin());
        // tabvm passes only the `--env` values on, but keep its own environment
        // empty too so the host's variables cannot leak in by mistake.
        keep_jit_mode(cmd.env_clear())
            .args(["run", "--root", "/", "--cwd"])
            .arg(&self.cwd);
        for (k, v) in &self.env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.args(extra)
            .arg("--")
            .arg(&self.program)
            .args(&self.args);
        cmd
    }
}

/// Describes every way `emulated` differs from `native`, or `None` when identical.
pub fn describe_difference(native: &Outcome, emulated: &Outcome) -> Option<String> {
    let mut parts = Vec::new();
    if native.status != emulated.status {
        parts.push(format!(
            "exit status: native {}, tabvm {}",
            native.status, emulated.status
        ));
    }
    for (name, a, b) in [
        ("stdout", &native.stdout, &emulated.stdout),
        ("stderr", &native.stderr, &emulated.stderr),
    ] {
        if a != b {
            parts.push(format!("{name}: {}", first_difference(a, b)));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// The first line where two outputs differ, both versions shown (shortened).
pub fn first_difference(native: &[u8], emulated: &[u8]) -> String {
    let a: Vec<&[u8]> = native.split_inclusive(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = emulated.split_inclusive(|&b| b == b'\n').collect();
    let line = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let show = |lines: &[&[u8]]| match lines.get(line) {
        Some(l) => shorten(&String::from_utf8_lossy(l)),
        None => "(end of output)".to_string(),
    };
    format!(
        "first difference at line {} ({} vs {} bytes in total)\n    native: {}\n    tabvm:  {}",
        line + 1,
        native.len(),
        emulated.len(),
        show(&a),
        show(&b)
    )
}

fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    let s = format!("{s:?}");
    if s.chars().count() <= MAX {
        s
    } else {
        s.chars().take(MAX).chain("…".chars()).collect()
    }
}

/// A listing of everything under `dir` (sorted relative paths, each with its kind
/// and, for files, length and content hash; for symlinks, the target), used to
/// compare the files a guest leaves behind natively and under tabvm.
pub fn snapshot_dir(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_symlink() {
                let target = fs::read_link(&path).map(|t| t.display().to_string());
                out.push(format!("{rel} -> {}", target.unwrap_or_default()));
            } else if meta.is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                let bytes = fs::read(&path).unwrap_or_default();
                out.push(format!(
                    "{rel}: {} bytes, fnv {:016x}",
                    bytes.len(),
                    fnv1a(&[&bytes])
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Describes how two directory snapshots differ, or `None`.
pub fn describe_files_difference(native: &[String], emulated: &[String]) -> Option<String> {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|x| !b.contains(x)).cloned().collect()
    };
    let (missing, extra) = (only(native, emulated), only(emulated, native));
    (!missing.is_empty() || !extra.is_empty())
        .then(|| format!("files left behind differ: native only {missing:?}, tabvm only {extra:?}"))
}

/// Reads an optional companion file of `program.c` (`.args`, `.env`, `.stdin`).
pub fn companion(src: &Path, ext: &str) -> Option<PathBuf> {
    let p = src.with_extension(ext);
    p.exists().then_some(p)
}

/// Lines of a companion file: one argument or `KEY=value` per line.
pub fn read_lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Splits `KEY=value` lines into pairs (the value may contain `=`).
pub fn parse_env(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (l.clone(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line() {
        let d = first_difference(b"a\nb\nc\n", b"a\nB\nc\n");
        assert!(d.contains("line 2"), "{d}");
        let d = first_difference(b"a\n", b"a\nextra\n");
        assert!(d.contains("line 2") && d.contains("(end of output)"), "{d}");
    }

    #[test]
    fn snapshots_show_changed_files() {
        // Per process: each test binary that includes this module runs this test.
        let dir = scratch(&format!("snapshot-selftest-{}", std::process::id()));
        fresh_dir(&dir);
        fs::write(dir.join("a"), "one").unwrap();
        let before = snapshot_dir(&dir);
        assert_eq!(
            describe_files_difference(&before, &snapshot_dir(&dir)),
            None
        );
        fs::write(dir.join("a"), "two").unwrap();
        let d = describe_files_difference(&before, &snapshot_dir(&dir)).unwrap();
        assert!(d.contains("native only") && d.contains("a: 3 bytes"), "{d}");
        fs::remove_dir_all(&dir).unwrap();
    }
}

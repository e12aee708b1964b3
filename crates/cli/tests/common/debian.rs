//! The Debian bookworm i386 root of `dev/debian-root.sh`, for the tests that
//! run real Debian programs (`debian`, `interactive`, `cpython`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::{repo_root, Outcome};

/// The Debian root, built on first use (several minutes, once per machine).
pub fn debian_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let out = Command::new("sh")
            .arg(repo_root().join("dev/debian-root.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run dev/debian-root.sh");
        assert!(
            out.status.success(),
            "dev/debian-root.sh could not build the Debian i386 root (needs root and debootstrap)"
        );
        PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
    })
}

/// A fresh, empty working directory `/var/tmp/tabvm-test/<name>` in the
/// root: its path in the guest and on the host.
pub fn work_dir(name: &str) -> (String, PathBuf) {
    let guest = format!("/var/tmp/tabvm-test/{name}");
    let host = debian_root().join(&guest[1..]);
    super::fresh_dir(&host);
    (guest, host)
}

/// Runs `argv` natively in the root (the oracle): under `chroot` in a private
/// mount namespace with `/proc` and a tmpfs `/dev/shm`, as a booted system
/// has them; the namespace, and its mounts, end with the process.
pub fn run_native(cwd: &str, env: &[&str], argv: &[&str]) -> Outcome {
    let script = r#"root=$1; shift
mount -t proc proc "$root/proc" && mount -t tmpfs tmpfs "$root/dev/shm" && exec chroot "$root" "$@""#;
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "sh",
    ])
    .arg(debian_root())
    .args(["/usr/bin/env", "-i", "-C", cwd])
    .args(env)
    .args(argv);
    run(cmd)
}

/// Runs `argv` under `tabvm run --root` with the same directory and
/// environment.
pub fn run_tabvm(cwd: &str, env: &[&str], argv: &[&str]) -> Outcome {
    let mut cmd = Command::new(super::tabvm_bin());
    super::keep_jit_mode(cmd.env_clear())
        .arg("run")
        .arg("--root")
        .arg(debian_root())
        .args(["--cwd", cwd]);
    for e in env {
        cmd.args(["--env", e]);
    }
    cmd.arg("--").args(argv);
    run(cmd)
}

fn run(mut cmd: Command) -> Outcome {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    Outcome {
        stdout: out.stdout,
        stderr: out.stderr,
        status: super::shell_status(out.status),
    }
}

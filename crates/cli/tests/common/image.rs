//! Helpers of the disk-image tests (`image`, `image_stream`, `image_crash`,
//! `image_workload`): the busybox guest, running `tabvm`, and e2fsck as the
//! oracle of a volume's consistency.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{repo_root, tabvm_bin};

/// The static i386 busybox of `dev/busybox.sh`.
pub fn busybox() -> PathBuf {
    let out = Command::new("sh")
        .arg(repo_root().join("dev/busybox.sh"))
        .output()
        .expect("run dev/busybox.sh");
    assert!(out.status.success(), "dev/busybox.sh failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// `tabvm ARGS…`, waited for.
pub fn tabvm(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(tabvm_bin());
    for a in args {
        cmd.arg(a);
    }
    cmd.output().expect("run tabvm")
}

/// `tabvm run --image IMAGE --overlay OVERLAY EXTRA… -- busybox sh -c SCRIPT`
/// (the image is a path or a URL), for the caller to add to and run.
pub fn busybox_sh(
    image: impl AsRef<std::ffi::OsStr>,
    overlay: &Path,
    extra: &[&str],
    script: &str,
) -> Command {
    let mut cmd = Command::new(tabvm_bin());
    cmd.arg("run")
        .arg("--image")
        .arg(image)
        .arg("--overlay")
        .arg(overlay)
        .args(extra)
        .args([
            "--env",
            "PATH=/bin",
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            script,
        ]);
    cmd
}

/// The stdout of a run that must have succeeded.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "tabvm failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `None` if `e2fsck -fn` finds `image` clean, else its report.
pub fn e2fsck_problems(image: &Path) -> Option<String> {
    let fsck = Command::new("e2fsck")
        .arg("-fn")
        .arg(image)
        .output()
        .expect("run e2fsck");
    (!fsck.status.success()).then(|| String::from_utf8_lossy(&fsck.stdout).into_owned())
}

/// `tabvm image build` of `tree` (`size` as the CLI takes it) into
/// `dir/root.ext2`, then `tabvm image chunk` into `dir/chunks`; returns both
/// paths and the chunker's statistics line.
pub fn build_and_chunk(tree: &Path, size: &str, dir: &Path) -> (PathBuf, PathBuf, String) {
    let (image, chunks) = (dir.join("root.ext2"), dir.join("chunks"));
    ok(&tabvm(&[
        &"image",
        &"build",
        &"--from-dir",
        &tree,
        &"--size",
        &size,
        &image,
    ]));
    let stats = ok(&tabvm(&[&"image", &"chunk", &image, &chunks]));
    (image, chunks, stats)
}

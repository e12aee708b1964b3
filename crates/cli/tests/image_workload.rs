//! A write workload on an ext2 root, against native execution: the Debian
//! root becomes an ext2 image (`tabvm image build`), and
//! `tests/image/workload.sh` — untar 10,000 files, build a C project with
//! gcc and make, delete half, rename, truncate, hard links, symlinks, modes,
//! a 5 GiB sparse file — runs natively in a chroot of the root and under
//! `tabvm run --image … --overlay …`. The trees it leaves must be the same
//! (paths, types, modes, sizes, link counts, symlink targets, contents;
//! not times or inode numbers), and the merged image must pass `e2fsck -fn`.
//!
//! `TABVM_WORKLOAD_FILES=N` sets how many files the tarball holds (default
//! 10,000). Prints how long each side took. Needs root (chroot), e2fsprogs
//! and the Debian root of `dev/debian-root.sh`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::debian::{debian_root, run_native};
use common::image::e2fsck_problems;
use common::{fresh_dir, repo_root, scratch, tabvm_bin, Outcome};
use tabvm_ext2::{Ext2, FileType, MountOptions};
use tabvm_host::FileDevice;

/// Where the workload's input and output live, in the guest and the root.
const IN: &str = "/var/tmp/tabvm-test/workload-in";
const OUT: &str = "/var/tmp/tabvm-test/workload-out";
/// Directories the files are spread over (the script names some of them;
/// an odd number, so each holds odd and even file numbers).
const DIRS: usize = 25;

const ENV: &[&str] = &[
    "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    "HOME=/root",
    "LC_ALL=C",
    "TZ=UTC",
];

const MAKEFILE: &str = "app: main.o util.o\n\tgcc -o app main.o util.o\n\
%.o: %.c util.h\n\tgcc -O1 -c -o $@ $<\n";
const UTIL_H: &str = "unsigned long checksum(const char *s);\n";
const UTIL_C: &str = "#include \"util.h\"\n\
unsigned long checksum(const char *s) {\n\
    unsigned long h = 5381;\n\
    while (*s) h = h * 33 + (unsigned char)*s++;\n\
    return h;\n}\n";
const MAIN_C: &str = "#include <stdio.h>\n#include \"util.h\"\n\
int main(int argc, char **argv) {\n\
    for (int i = 0; i < 5; i++) printf(\"%d %lu\\n\", i, checksum(argv[0] + i));\n\
    return argc - 1;\n}\n";

/// Writes the workload's input, `src.tar`, into `dir`: `files` files in
/// `tree/dNN/` (mostly a few hundred bytes, every 97th 20–200 KiB, so
/// indirect blocks are used) and the C project in `proj/`.
fn make_input(dir: &Path, files: usize) {
    let src = dir.join("src");
    for d in 0..DIRS {
        std::fs::create_dir_all(src.join(format!("tree/d{d:02}"))).unwrap();
    }
    for i in 0..files {
        let line = format!("file {i}: the quick brown fox\n");
        let repeat = if i % 97 == 0 {
            700 + i % 7000
        } else {
            1 + i % 12
        };
        let path = src.join(format!("tree/d{:02}/f{i:05}.txt", i % DIRS));
        std::fs::write(path, line.repeat(repeat)).unwrap();
    }
    std::fs::create_dir_all(src.join("proj")).unwrap();
    for (name, text) in [
        ("Makefile", MAKEFILE),
        ("util.h", UTIL_H),
        ("util.c", UTIL_C),
        ("main.c", MAIN_C),
    ] {
        std::fs::write(src.join("proj").join(name), text).unwrap();
    }
    let tar = Command::new("tar")
        .args([
            "--owner=0",
            "--group=0",
            "--mtime=@1700000000",
            "--sort=name",
        ])
        .arg("-cf")
        .arg(dir.join("src.tar"))
        .arg("-C")
        .arg(&src)
        .args(["tree", "proj"])
        .status()
        .expect("run tar");
    assert!(tar.success(), "tar of the workload input failed");
    std::fs::remove_dir_all(&src).unwrap();
    std::fs::copy(
        repo_root().join("tests/image/workload.sh"),
        dir.join("workload.sh"),
    )
    .unwrap();
}

/// The content hash of a file, fed a piece at a time: 64-bit FNV-1a, but
/// an all-zero piece counts by its length only, so the holes of the 5 GiB
/// sparse file hash quickly (both sides read in the same pieces).
struct Hash(u64);

impl Hash {
    fn new() -> Hash {
        Hash(0xcbf2_9ce4_8422_2325)
    }
    fn feed(&mut self, piece: &[u8]) {
        let bytes = if piece.iter().all(|&b| b == 0) {
            &(piece.len() as u64).to_le_bytes()[..]
        } else {
            piece
        };
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Pieces files are read in.
const PIECE: usize = 1 << 20;

/// One node of a tree as the comparison sees it.
fn describe(kind: &str, mode: u32, size: u64, nlink: u32, what: &str) -> String {
    format!(
        "{kind} {:o} {size} bytes, {nlink} links {what}",
        mode & 0o7777
    )
}

/// The tree under `dir` on the host, by relative path.
fn host_tree(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let (kind, what) = if meta.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                ("symlink", format!("-> {}", target.display()))
            } else if meta.is_dir() {
                walk(root, &path, out);
                ("dir", String::new())
            } else {
                let mut file = std::fs::File::open(&path).unwrap();
                let mut buf = vec![0; PIECE];
                let mut hash = Hash::new();
                let mut left = meta.len();
                while left > 0 {
                    let n = left.min(PIECE as u64) as usize;
                    std::io::Read::read_exact(&mut file, &mut buf[..n]).unwrap();
                    hash.feed(&buf[..n]);
                    left -= n as u64;
                }
                ("file", format!("hash {:016x}", hash.0))
            };
            let size = if meta.is_dir() { 0 } else { meta.len() };
            let nlink = meta.nlink() as u32;
            out.insert(rel, describe(kind, meta.mode(), size, nlink, &what));
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The tree under `path` in the ext2 image file `image`.
fn image_tree(image: &Path, path: &str) -> BTreeMap<String, String> {
    type Fs = Ext2<FileDevice>;
    fn walk(fs: &mut Fs, dir: u32, prefix: &str, out: &mut BTreeMap<String, String>) {
        for e in fs.readdir(dir).unwrap() {
            let name = String::from_utf8(e.name).unwrap();
            let rel = format!("{prefix}{name}");
            let st = fs.stat(e.ino).unwrap();
            let (kind, size, what) = match e.kind {
                FileType::Symlink => {
                    let target = String::from_utf8(fs.readlink(e.ino).unwrap()).unwrap();
                    ("symlink", st.size, format!("-> {target}"))
                }
                FileType::Directory => {
                    walk(fs, e.ino, &format!("{rel}/"), out);
                    ("dir", 0, String::new())
                }
                FileType::Regular => {
                    let mut buf = vec![0; PIECE];
                    let (mut at, mut hash) = (0, Hash::new());
                    while at < st.size {
                        let n = (st.size - at).min(PIECE as u64) as usize;
                        let got = fs.read(e.ino, at, &mut buf[..n]).unwrap();
                        assert_eq!(got, n, "{rel}: short read at {at}");
                        hash.feed(&buf[..n]);
                        at += n as u64;
                    }
                    ("file", st.size, format!("hash {:016x}", hash.0))
                }
                other => panic!("{rel}: unexpected {other:?}"),
            };
            out.insert(rel, describe(kind, st.mode, size, st.nlink, &what));
        }
    }
    let dev = FileDevice::open(image, false).unwrap();
    let mut fs = Ext2::mount(dev, MountOptions { read_only: true })
        .unwrap_or_else(|e| panic!("mount {}: {}", image.display(), e.error));
    let mut ino = fs.root();
    for name in path.split('/').filter(|c| !c.is_empty()) {
        ino = fs.lookup(ino, name.as_bytes()).unwrap();
    }
    let mut out = BTreeMap::new();
    walk(&mut fs, ino, "", &mut out);
    out
}

fn check(what: &str, out: &Outcome) {
    assert_eq!(
        out.status,
        0,
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        out.stderr_text()
    );
}

#[test]
fn write_workload_matches_native_and_leaves_a_clean_image() {
    let files = std::env::var("TABVM_WORKLOAD_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let root = debian_root();
    let (input, output) = (root.join(&IN[1..]), root.join(&OUT[1..]));
    fresh_dir(&input);
    fresh_dir(&output);
    std::fs::remove_dir(&output).unwrap();
    make_input(&input, files);

    let dir = scratch("image-workload");
    fresh_dir(&dir);
    let (image, overlay, merged) = (
        dir.join("debian.ext2"),
        dir.join("debian.overlay"),
        dir.join("merged.ext2"),
    );
    let clock = Instant::now();
    let build = Command::new(tabvm_bin())
        .args(["image", "build", "--from-dir"])
        .arg(root)
        .args(["--size", "2G"])
        .arg(&image)
        .output()
        .expect("run tabvm image build");
    assert!(
        build.status.success(),
        "image build: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    let build_time = clock.elapsed();

    let argv = ["/bin/bash", &format!("{IN}/workload.sh"), IN, OUT];
    let clock = Instant::now();
    check("the workload natively", &run_native("/", ENV, &argv));
    let native_time = clock.elapsed();

    let clock = Instant::now();
    let mut cmd = Command::new(tabvm_bin());
    cmd.env_clear()
        .args(["run", "--image"])
        .arg(&image)
        .arg("--overlay")
        .arg(&overlay)
        .args(["--cwd", "/"]);
    for e in ENV {
        cmd.args(["--env", e]);
    }
    let out = cmd.arg("--").args(argv).output().expect("run tabvm");
    check(
        "the workload under tabvm",
        &Outcome {
            stdout: out.stdout,
            stderr: out.stderr,
            status: common::shell_status(out.status),
        },
    );
    let tabvm_time = clock.elapsed();

    let clock = Instant::now();

    let merge = Command::new(tabvm_bin())
        .args(["image", "merge"])
        .arg(&image)
        .arg(&overlay)
        .arg(&merged)
        .output()
        .expect("run tabvm image merge");
    assert!(
        merge.status.success(),
        "merge: {}",
        String::from_utf8_lossy(&merge.stderr)
    );
    if let Some(report) = e2fsck_problems(&merged) {
        panic!("e2fsck -fn of the merged image:\n{report}");
    }

    let check_time = clock.elapsed();
    let clock = Instant::now();
    let native = host_tree(&output);
    let emulated = image_tree(&merged, OUT);
    let differ: Vec<String> = native
        .keys()
        .chain(emulated.keys())
        .filter(|k| native.get(*k) != emulated.get(*k))
        .take(20)
        .map(|k| {
            format!(
                "{k}\n    native: {:?}\n    tabvm:  {:?}",
                native.get(k),
                emulated.get(k)
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the trees differ (first 20):\n{}",
        differ.join("\n")
    );
    let compare_time = clock.elapsed();
    // The root is shared with other tests: leave no 5 GiB file in it.
    std::fs::remove_dir_all(&output).unwrap();
    std::fs::remove_dir_all(&input).unwrap();
    eprintln!(
        "{files} files, {} nodes left: image build {build_time:.1?}, native {native_time:.1?}, \
         tabvm {tabvm_time:.1?}, overlay {} MiB; merge and e2fsck {check_time:.1?}, \
         comparison {compare_time:.1?}",
        native.len(),
        std::fs::metadata(&overlay).unwrap().len() >> 20
    );
}

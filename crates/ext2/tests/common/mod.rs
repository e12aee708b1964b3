//! Helpers shared by the integration tests: real images from `mke2fs`, and
//! `debugfs` and `e2fsck` as oracles. Missing e2fsprogs is a failure.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

use tabvm_disk::MemoryDevice;
use tabvm_ext2::{Ext2, Ino, MountOptions};

/// A fixed clock for the tests: a time after every image's creation (so
/// `e2fsck` sees sane `dtime`s) and before now.
pub const NOW: u32 = 1_700_000_000;

/// The layouts the tests cover: (revision, block size).
pub const LAYOUTS: [(u32, u32); 4] = [(0, 1024), (1, 1024), (1, 2048), (1, 4096)];

/// A scratch directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory, unique per process and call.
pub fn tempdir() -> TempDir {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tabvm-ext2-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Runs a tool, failing the test if it cannot be started.
fn tool(name: &str, args: &[&str]) -> std::process::Output {
    Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (e2fsprogs): {e}"))
}

/// Makes a `size_kib` ext2 image in `dir` with `mke2fs`, filled from
/// `populate` if given; `extra` are more `mke2fs` options.
pub fn mkfs(
    dir: &Path,
    rev: u32,
    block: u32,
    size_kib: u32,
    populate: Option<&Path>,
    extra: &[&str],
) -> PathBuf {
    let image = dir.join(format!("r{rev}b{block}.img"));
    let rev_s = rev.to_string();
    let block_s = block.to_string();
    let size_s = format!("{size_kib}k");
    let mut args = vec!["-q", "-F", "-t", "ext2", "-r", &rev_s, "-b", &block_s];
    if rev == 1 {
        // A 256-byte inode also exercises slots larger than what we model.
        args.extend(["-I", "256"]);
    }
    let pop;
    if let Some(p) = populate {
        pop = p.to_str().unwrap().to_string();
        args.extend(["-d", &pop]);
    }
    args.extend_from_slice(extra);
    let image_s = image.to_str().unwrap().to_string();
    args.push(&image_s);
    args.push(&size_s);
    let out = tool("mke2fs", &args);
    assert!(
        out.status.success(),
        "mke2fs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    image
}

/// `debugfs -R cmd image`, stdout only.
pub fn debugfs(image: &Path, cmd: &str) -> Vec<u8> {
    let out = tool("debugfs", &["-R", cmd, image.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "debugfs {cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `e2fsck -fn image`: asserts exit status 0 and returns its report.
pub fn fsck_clean(image: &Path) -> String {
    let out = tool("e2fsck", &["-fn", image.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "e2fsck -fn {}:\n{text}",
        image.display()
    );
    text
}

pub fn mount(image: &Path) -> Ext2<MemoryDevice> {
    let bytes = std::fs::read(image).unwrap();
    let mut fs = Ext2::mount(MemoryDevice::from_bytes(bytes), MountOptions::default())
        .unwrap_or_else(|e| panic!("mount {}: {}", image.display(), e.error));
    fs.set_time(NOW);
    fs
}

/// Syncs and writes the volume back to `image`.
pub fn save(mut fs: Ext2<MemoryDevice>, image: &Path) {
    fs.sync().unwrap();
    assert_eq!(fs.dirty_blocks(), 0);
    std::fs::write(image, fs.into_device().into_bytes()).unwrap();
}

/// Walks a `/`-separated path from the root.
pub fn resolve(fs: &mut Ext2<MemoryDevice>, path: &str) -> Ino {
    let mut ino = fs.root();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        ino = fs
            .lookup(ino, part.as_bytes())
            .unwrap_or_else(|e| panic!("lookup {part} in {path}: {e}"));
    }
    ino
}

/// Reads a whole file.
pub fn read_all(fs: &mut Ext2<MemoryDevice>, ino: Ino) -> Vec<u8> {
    let size = fs.stat(ino).unwrap().size as usize;
    let mut buf = vec![0; size];
    assert_eq!(fs.read(ino, 0, &mut buf).unwrap(), size);
    buf
}

/// Deterministic pseudo-random bytes (xorshift64*), for file contents and
/// random operation sequences.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

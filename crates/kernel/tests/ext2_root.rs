//! The guest on an ext2 root whose device makes every read wait: a system
//! call that needs an unread block is parked and re-run (DESIGN rule 1)
//! while other guest processes keep running. Needs `mke2fs` and the busybox
//! that `dev/busybox.sh` fetches.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;

use tabvm_disk::{BlockDevice, Completion, DiskError, FaultDevice, FaultPlan, MemoryDevice};
use tabvm_ext2::{Error, Ext2, MountOptions};
use tabvm_kernel::vfs::Ext2Fs;
use tabvm_kernel::{Config, Host, Kernel, Now, RunStatus, Spawn, Stream};

/// `Pending` answers before each device read is carried out.
const PENDING: u32 = 20;

#[derive(Default)]
struct Output {
    stdout: Vec<u8>,
    log: Vec<String>,
}

struct TestHost(Rc<RefCell<Output>>);

impl Host for TestHost {
    fn write_console(&mut self, stream: Stream, bytes: &[u8]) {
        if let Stream::Stdout = stream {
            self.0.borrow_mut().stdout.extend_from_slice(bytes);
        }
    }
    fn fill_random(&mut self, buf: &mut [u8]) {
        buf.fill(7);
    }
    fn log(&mut self, line: &str) {
        self.0.borrow_mut().log.push(line.to_owned());
    }
}

/// A slow device that counts its `Pending` answers.
struct Watched {
    dev: FaultDevice<MemoryDevice>,
    waits: Rc<Cell<u32>>,
}

impl BlockDevice for Watched {
    fn size(&self) -> u64 {
        self.dev.size()
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        let r = self.dev.read(offset, buf);
        if r == Ok(Completion::Pending) {
            self.waits.set(self.waits.get() + 1);
        }
        r
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        self.dev.write(offset, data)
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.dev.flush()
    }
}

fn busybox_path() -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dev/busybox.sh");
    let out = Command::new("sh")
        .arg(script)
        .output()
        .expect("run dev/busybox.sh");
    assert!(out.status.success(), "dev/busybox.sh failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// An ext2 image (4 KiB blocks) of `/bin/busybox` and `/data/file`.
fn image(file: &[u8]) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ext2-root");
    let tree = dir.join("tree");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join("data")).unwrap();
    std::fs::copy(busybox_path(), tree.join("bin/busybox")).unwrap();
    std::fs::write(tree.join("data/file"), file).unwrap();
    let img = dir.join("root.ext2");
    let out = Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext2", "-b", "4096", "-d"])
        .arg(&tree)
        .arg(&img)
        .arg("16M")
        .output()
        .expect("mke2fs (e2fsprogs) is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(img).unwrap()
}

/// Repeats an operation until the device stops answering `Pending`.
fn settle<T>(mut op: impl FnMut() -> Result<T, Error>) -> T {
    loop {
        match op() {
            Err(Error::WouldBlock) => continue,
            other => return other.unwrap(),
        }
    }
}

#[test]
fn cat_waits_for_the_device_while_others_run() {
    let content: Vec<u8> = (0..2_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    let waits = Rc::new(Cell::new(0));
    let dev = FaultDevice::new(
        MemoryDevice::from_bytes(image(&content)),
        FaultPlan {
            pending_reads: PENDING,
            ..FaultPlan::default()
        },
    );
    let dev = Watched {
        dev,
        waits: waits.clone(),
    };
    let mut mounted = Ext2::mount(dev, MountOptions::default());
    let mut fs = loop {
        match mounted {
            Ok(fs) => break fs,
            Err(e) if e.error == Error::WouldBlock => mounted = e.retry(MountOptions::default()),
            Err(e) => panic!("mount: {}", e.error),
        }
    };
    // Only busybox itself is read in advance: spawning is not a system
    // call and cannot wait. Everything the guest opens must be fetched.
    let root = fs.root();
    let bin = settle(|| fs.lookup(root, b"bin"));
    let exe = settle(|| fs.lookup(bin, b"busybox"));
    let size = settle(|| fs.stat(exe)).size;
    let mut buf = vec![0; size as usize];
    assert_eq!(settle(|| fs.read(exe, 0, &mut buf)), buf.len());

    waits.set(0);
    let out = Rc::new(RefCell::new(Output::default()));
    let config = Config {
        root: Box::new(Ext2Fs::new(fs)),
        tty: [false; 3],
        log: true,
    };
    let mut k = Kernel::new(config, Box::new(TestHost(out.clone())));
    // A background loop prints ticks while the foreground cat reads.
    let script = "i=0; while [ $i -lt 300 ]; do echo tick; i=$((i+1)); done & \
                  busybox cat /data/file; wait";
    k.spawn(Spawn {
        path: "/bin/busybox".into(),
        argv: ["busybox", "sh", "-c", script].map(String::from).to_vec(),
        envp: vec!["PATH=/bin".into()],
        cwd: "/".into(),
        uid: 0,
        gid: 0,
    })
    .unwrap();
    let mut now = Now {
        monotonic_ns: 1_000_000_000,
        realtime_ns: 1_700_000_000_000_000_000,
    };
    let status = loop {
        match k.run(now) {
            RunStatus::Exited { status } => break status,
            RunStatus::Busy => now.monotonic_ns += 1_000,
            RunStatus::Idle { wake_at: Some(t) } => now.monotonic_ns = t.max(now.monotonic_ns + 1),
            RunStatus::Idle { wake_at: None } => panic!("guest deadlocked"),
        }
    };
    let o = out.borrow();
    assert_eq!(status, 0, "log: {:?}", o.log);
    // The loop ran to its end and cat, after waiting, printed all of the
    // file. (That the loop ran *during* the waits is not observable here:
    // the console is flushed once per `Kernel::run`.)
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().filter(|l| *l == "tick").count(), 300);
    let rest: String = text
        .lines()
        .filter(|l| *l != "tick")
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        rest.as_bytes() == content,
        "cat printed {} bytes",
        rest.len()
    );
    // Reads during the run did wait (each was parked and re-run).
    assert!(waits.get() >= PENDING, "{} waits", waits.get());
}

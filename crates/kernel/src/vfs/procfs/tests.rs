use super::snapshot::{MapEntry, ThreadInfo};
use super::*;
use crate::task::{Creds, Rlimit};

fn fs() -> ProcFs {
    let mut view = ProcView {
        self_pid: 7,
        self_tid: 8,
        uptime_ns: 12_345_000_000,
        ..ProcView::default()
    };
    let p = ProcInfo {
        ppid: 1,
        pgid: 7,
        sid: 1,
        tpgid: -1,
        creds: Creds::new(1000, 100),
        umask: 0o022,
        threads: vec![
            ThreadInfo {
                tid: 7,
                comm: b"busybox".to_vec(),
                state: b'S',
                ..ThreadInfo::default()
            },
            ThreadInfo {
                tid: 8,
                comm: b"worker".to_vec(),
                state: b'R',
                ..ThreadInfo::default()
            },
        ],
        exe: Link::Text(b"/bin/busybox".to_vec()),
        cmdline: b"sh\0-c\0true\0".to_vec(),
        environ: b"HOME=/\0".to_vec(),
        cwd: Link::Text(b"/tmp".to_vec()),
        fds: vec![
            (0, Link::Text(b"/dev/pts/0".to_vec())),
            (3, Link::Text(b"pipe:[4]".to_vec())),
        ],
        maps: vec![
            MapEntry {
                start: 0x0804_8000,
                end: 0x0804_9000,
                perms: *b"r-xp",
                dev: crate::abi::stat::encode_dev(8, 1),
                ino: 12,
                name: b"/bin/busybox".to_vec(),
                ..MapEntry::default()
            },
            MapEntry {
                start: 0xbf00_0000,
                end: 0xbf80_0000,
                perms: *b"rw-p",
                ..MapEntry::default()
            },
        ],
        rlimits: vec![
            Rlimit {
                cur: u64::MAX,
                max: u64::MAX
            };
            16
        ],
        exit_signal: 17,
        ..ProcInfo::default()
    };
    view.procs.insert(7, p);
    ProcFs::new(Rc::new(RefCell::new(view)))
}

fn walk(fs: &mut ProcFs, path: &str) -> Result<Ino, Errno> {
    let mut ino = fs.root();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        ino = fs.lookup(ino, c.as_bytes())?;
    }
    Ok(ino)
}

fn read_all(fs: &mut ProcFs, path: &str) -> Vec<u8> {
    let ino = walk(fs, path).unwrap();
    let mut buf = vec![0; 8192];
    let n = fs.read(ino, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn read_text(fs: &mut ProcFs, path: &str) -> String {
    String::from_utf8(read_all(fs, path)).unwrap()
}

fn names(fs: &mut ProcFs, path: &str) -> Vec<Vec<u8>> {
    let ino = walk(fs, path).unwrap();
    fs.readdir(ino)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}

#[test]
fn links_name_the_process_and_its_files() {
    let mut fs = fs();
    let ino = walk(&mut fs, "self").unwrap();
    assert_eq!(fs.readlink(ino).unwrap(), b"7");
    assert_eq!(fs.stat(ino).unwrap().mode, 0o120777);
    let ts = walk(&mut fs, "thread-self").unwrap();
    assert_eq!(fs.readlink(ts).unwrap(), b"7/task/8");
    let exe = walk(&mut fs, "7/exe").unwrap();
    assert_eq!(fs.readlink(exe).unwrap(), b"/bin/busybox");
    let fd3 = walk(&mut fs, "7/fd/3").unwrap();
    assert_eq!(fs.readlink(fd3).unwrap(), b"pipe:[4]");
    let cwd = walk(&mut fs, "7/cwd").unwrap();
    assert_eq!(fs.readlink(cwd).unwrap(), b"/tmp");
    let root = walk(&mut fs, "7/task/8/root").unwrap();
    assert_eq!(fs.readlink(root).unwrap(), b"/");
    assert_eq!(names(&mut fs, "7/fd"), [b"0".to_vec(), b"3".to_vec()]);
    assert_eq!(names(&mut fs, "7/task"), [b"7".to_vec(), b"8".to_vec()]);
    assert_eq!(
        walk(&mut fs, "7/fd/..").unwrap(),
        walk(&mut fs, "7").unwrap()
    );
    assert_eq!(
        walk(&mut fs, "7/task/8/..").unwrap(),
        walk(&mut fs, "7/task").unwrap()
    );
    assert_eq!(
        walk(&mut fs, "sys/kernel/..").unwrap(),
        walk(&mut fs, "sys").unwrap()
    );
    // Owned by the process's effective ids.
    let stat = walk(&mut fs, "7/stat").unwrap();
    assert_eq!(fs.stat(stat).unwrap().uid, 1000);
}

#[test]
fn process_files_have_linux_formats() {
    let mut fs = fs();
    assert_eq!(read_all(&mut fs, "7/cmdline"), b"sh\0-c\0true\0");
    assert_eq!(read_all(&mut fs, "7/environ"), b"HOME=/\0");
    assert_eq!(read_all(&mut fs, "7/comm"), b"busybox\n");
    let stat = read_text(&mut fs, "7/stat");
    assert!(stat.starts_with("7 (busybox) S 1 7 1 0 -1 "), "{stat}");
    let fields: Vec<&str> = stat.split_whitespace().collect();
    assert_eq!(fields.len(), 52);
    assert_eq!(fields[19], "2", "num_threads");
    assert_eq!(fields[37], "17", "exit_signal");
    let thread = read_text(&mut fs, "7/task/8/stat");
    assert!(thread.starts_with("8 (worker) R 1 "), "{thread}");
    assert_eq!(read_all(&mut fs, "7/task/8/comm"), b"worker\n");
    let status = read_text(&mut fs, "7/status");
    for line in [
        "Name:\tbusybox\n",
        "Umask:\t0022\n",
        "State:\tS (sleeping)\n",
        "Tgid:\t7\n",
        "Pid:\t7\n",
        "PPid:\t1\n",
        "Uid:\t1000\t1000\t1000\t1000\n",
        "Gid:\t100\t100\t100\t100\n",
        "Threads:\t2\n",
        "CapEff:\t0000000000000000\n",
    ] {
        assert!(status.contains(line), "{line:?} in {status}");
    }
    assert!(read_text(&mut fs, "7/task/8/status").contains("\nPid:\t8\nPPid:\t1\n"));
    let maps = read_text(&mut fs, "7/maps");
    assert_eq!(
        maps,
        "08048000-08049000 r-xp 00000000 08:01 12         /bin/busybox\n\
         bf000000-bf800000 rw-p 00000000 00:00 0 \n"
    );
    let limits = read_text(&mut fs, "7/limits");
    assert!(limits.starts_with(
        "Limit                     Soft Limit           Hard Limit           Units     \n"
    ));
    assert!(limits.contains(
        "\nMax open files            unlimited            unlimited            files     \n"
    ));
    assert_eq!(read_text(&mut fs, "7/statm").split_whitespace().count(), 7);
}

#[test]
fn system_files_have_contents() {
    let mut fs = fs();
    assert_eq!(read_all(&mut fs, "uptime"), b"12.34 12.34\n");
    let cpuinfo = read_text(&mut fs, "cpuinfo");
    assert!(
        cpuinfo.contains("flags\t\t: fpu tsc cx8 cmov clflush mmx fxsr sse sse2 pni ssse3\n"),
        "{cpuinfo}"
    );
    assert!(read_text(&mut fs, "meminfo").starts_with("MemTotal:"));
    let stat = read_text(&mut fs, "stat");
    assert!(stat.starts_with("cpu  0 0 0 1234 "), "{stat}");
    assert!(stat.contains("\nprocs_running 1\n"), "{stat}");
    assert_eq!(read_all(&mut fs, "loadavg"), b"0.00 0.00 0.00 1/2 8\n");
    assert_eq!(read_all(&mut fs, "sys/kernel/pid_max"), b"32768\n");
    assert_eq!(read_all(&mut fs, "sys/kernel/ostype"), b"Linux\n");
    assert!(read_text(&mut fs, "version").starts_with("Linux version "));
    assert!(read_text(&mut fs, "filesystems").contains("\tproc\n"));
    // Reading at an offset, and past the end.
    let ino = walk(&mut fs, "7/cmdline").unwrap();
    let mut buf = [0; 4];
    assert_eq!(fs.read(ino, 3, &mut buf), Ok(4));
    assert_eq!(&buf, b"-c\0t");
    assert_eq!(fs.read(ino, 1 << 40, &mut buf), Ok(0));
}

#[test]
fn inodes_fit_32_bits() {
    let mut fs = fs();
    for path in ["7", "7/task/8/fd/3", "7/task/8/stat", "sys/kernel/hostname"] {
        let ino = walk(&mut fs, path).unwrap();
        assert!(ino <= u64::from(u32::MAX), "{path}");
        assert_eq!(fs.stat(ino).unwrap().ino, ino);
    }
}

#[test]
fn odd_paths_are_errors_not_panics() {
    let mut fs = fs();
    let bad_paths = [
        "8",
        "07",
        "-1",
        "7/nope",
        "7/fd/1",
        "7/fd/x",
        "7/fd/65280",
        "7/task/9",
        "7/task/8/task",
        "99999999999",
        "32768",
        "self/x",
        "uptime/x",
        "7/exe/x",
        "sys/nope",
    ];
    for bad in bad_paths {
        assert!(walk(&mut fs, bad).is_err(), "{bad}");
    }
    for ino in [
        0,
        99,
        1 << 16,
        7 << 16 | 99,
        7 << 16 | 0xfff,
        7 << 16 | (FD_BASE + 1),
        9 << 16 | THREAD_NODE,
        8 << 16 | THREAD_NODE | 15,
        7 << 16 | 0x8000,
        u64::from(PID_MAX) << 16,
        u64::MAX,
    ] {
        assert!(fs.stat(ino).is_err(), "{ino:#x}");
        let _ = fs.read(ino, 0, &mut [0; 8]);
        let _ = fs.readdir(ino);
        let _ = fs.readlink(ino);
    }
    let root = fs.root();
    assert_eq!(fs.read(root, 0, &mut [0; 8]), Err(Errno::EISDIR));
    assert_eq!(fs.readlink(root), Err(Errno::EINVAL));
    let names = names(&mut fs, "/");
    for n in ["self", "7", "mounts", "sys", "stat"] {
        assert!(names.contains(&n.as_bytes().to_vec()), "{n}");
    }
}

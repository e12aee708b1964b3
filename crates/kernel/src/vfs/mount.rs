//! [`Vfs`]: the mount table and the console, and the entry points the
//! kernel core and the front ends use (start-up descriptors, console I/O,
//! loading executables).
//!
//! A mount hangs a file system's root on a name in a directory of another
//! mount. The name need not exist underneath: that is how `/dev` and `/tmp`
//! appear over a root that lacks them. Looking up a mounted name returns
//! the mounted root; `..` of a mounted root returns the directory it hangs
//! in (see `path.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::console::{Console, TtySignal};
use super::devices::DevFs;
use super::fd::FdTable;
use super::file::{FileKind, FsRef, NodeRef, OpenFile};
use super::memfs::MemFs;
use super::procfs::{ProcFs, ViewRef};
use super::sysfs::SysFs;
use super::{FileSystem, FsContext, Loc, SetAttr, Timespec};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_RDONLY, O_RDWR, O_WRONLY};
use crate::abi::stat::encode_dev;
use crate::task::Pid;
use crate::Stream;

/// Largest program `read_executable` loads into memory: far above any
/// real i386 executable, low enough that a guest cannot exhaust the host.
const MAX_EXECUTABLE: u64 = 1 << 30;

pub(crate) struct Mount {
    pub fs: FsRef,
    /// Where it hangs: directory and name (`None` for the root).
    pub at: Option<(Loc, Vec<u8>)>,
    /// `st_dev` of its nodes.
    pub dev: u64,
}

/// The mount table and the console: everything file-like a VM shares.
pub struct Vfs {
    pub(crate) mounts: Vec<Mount>,
    pub console: Console,
    /// The pipe behind each FIFO node while some description has it open.
    pub(crate) fifos: HashMap<Loc, Weak<RefCell<super::pipe::Pipe>>>,
    /// Wall-clock time for timestamps, set by the system call layer.
    pub(crate) now: Timespec,
    next_pipe_id: u64,
    /// The snapshot `/proc` shows, and the index of its mount.
    pub(crate) proc: ViewRef,
    pub(crate) proc_mnt: usize,
    /// How deep `readlink` is in making `/proc` links absolute (see `path.rs`).
    pub(crate) link_depth: std::cell::Cell<u32>,
}

impl Vfs {
    /// Mounts `root`, a `/dev`, a `/proc` and a `/sys` over it, and a
    /// `/tmp` if it has none.
    /// `tty[i]` says whether standard fd `i` is a terminal on the host.
    pub fn new(root: Box<dyn FileSystem>, tty: [bool; 3]) -> Vfs {
        let root_ino = root.root();
        let mut vfs = Vfs {
            mounts: vec![Mount {
                fs: Rc::new(RefCell::new(root)),
                at: None,
                dev: encode_dev(8, 1),
            }],
            console: Console::new(tty),
            fifos: HashMap::new(),
            now: Timespec::default(),
            next_pipe_id: 1,
            proc: ViewRef::default(),
            proc_mnt: 0,
            link_depth: std::cell::Cell::new(0),
        };
        let root_loc = Loc {
            mnt: 0,
            ino: root_ino,
        };
        vfs.mount(root_loc, b"dev", Box::new(DevFs::default()));
        // POSIX shared memory and named semaphores (`shm_open`, `sem_open`)
        // live in a tmpfs at /dev/shm.
        let dev = Loc {
            mnt: vfs.mounts.len() - 1,
            ino: vfs.mounts.last().map_or(0, |m| m.fs.borrow().root()),
        };
        vfs.mount(dev, b"shm", Box::new(MemFs::new()));
        vfs.proc_mnt = vfs.mounts.len();
        vfs.mount(root_loc, b"proc", Box::new(ProcFs::new(vfs.proc.clone())));
        vfs.mount(root_loc, b"sys", Box::new(SysFs::default()));
        let has_tmp = vfs.mounts[0]
            .fs
            .borrow_mut()
            .lookup(root_ino, b"tmp")
            .is_ok();
        if !has_tmp {
            vfs.private_tmp();
        }
        vfs
    }

    /// Mounts an empty tmpfs on `/tmp` unless one is there already, hiding
    /// the root's own `/tmp`.
    pub fn private_tmp(&mut self) {
        let root = self.root_loc();
        let mounted = self.mounts.iter().any(|m| {
            m.at.as_ref()
                .is_some_and(|(at, n)| *at == root && n == b"tmp")
        });
        if !mounted {
            self.mount(root, b"tmp", Box::new(MemFs::new()));
        }
    }

    /// Hangs `fs` on `name` in directory `at`.
    pub(crate) fn mount(&mut self, at: Loc, name: &[u8], fs: Box<dyn FileSystem>) {
        let dev = encode_dev(0, 20 + self.mounts.len() as u32);
        self.mounts.push(Mount {
            fs: Rc::new(RefCell::new(fs)),
            at: Some((at, name.to_vec())),
            dev,
        });
    }

    /// The root directory of the guest.
    pub(crate) fn root_loc(&self) -> Loc {
        Loc {
            mnt: 0,
            ino: self.mounts[0].fs.borrow().root(),
        }
    }

    /// A context at the root with the default umask.
    pub fn root_context(&self) -> FsContext {
        FsContext {
            cwd: Some(self.root_loc()),
            ..FsContext::default()
        }
    }

    pub(crate) fn fs(&self, mnt: usize) -> FsRef {
        self.mounts[mnt].fs.clone()
    }

    pub(crate) fn next_pipe_id(&mut self) -> u64 {
        self.next_pipe_id += 1;
        self.next_pipe_id
    }

    /// Sets the time used for new timestamps. The first call also dates
    /// the trees the kernel made itself (`/dev`, a `/tmp`) to that moment.
    pub fn set_time(&mut self, realtime_ns: u64) {
        let first = self.now == Timespec::default();
        self.now = Timespec::from_ns(realtime_ns);
        if first {
            for m in &self.mounts[1..] {
                let mut fs = m.fs.borrow_mut();
                fs.tick(self.now);
                let root = fs.root();
                // DevFs is read-only and dates itself in `tick`.
                let _ = fs.set_attr(
                    root,
                    SetAttr {
                        atime: Some(self.now),
                        mtime: Some(self.now),
                        ..SetAttr::default()
                    },
                );
            }
        }
    }

    /// The descriptors 0, 1, 2 of the first process: the tty where the host
    /// has a terminal (one shared description), plain streams elsewhere.
    pub fn stdio(&self) -> FdTable {
        let mut table = FdTable::default();
        // The tty is /dev/pts/0, so `fstat` and a scan of /dev/pts agree
        // (that is how `ttyname` finds it).
        let tty = match self.resolve(self.root_loc(), b"/dev/pts/0", false) {
            Ok(loc) => {
                let node = NodeRef {
                    fs: self.fs(loc.mnt),
                    loc,
                    dev: self.mounts[loc.mnt].dev,
                    origin: None,
                };
                OpenFile::with_node(FileKind::Tty, O_RDWR, node)
            }
            Err(_) => OpenFile::new(FileKind::Tty, O_RDWR),
        };
        let tty = Rc::new(RefCell::new(tty));
        let plain = [
            (FileKind::Stdin, O_RDONLY),
            (FileKind::Output(Stream::Stdout), O_WRONLY),
            (FileKind::Output(Stream::Stderr), O_WRONLY),
        ];
        for (i, (kind, flags)) in plain.into_iter().enumerate() {
            let file = if self.console.is_tty(i) {
                tty.clone()
            } else {
                Rc::new(RefCell::new(OpenFile::new(kind, flags)))
            };
            // Three inserts into an empty table cannot fail.
            let _ = table.insert(file, false);
        }
        table
    }

    /// Output the guest wrote to the console since the last call.
    pub fn take_console_output(&mut self) -> Vec<(Stream, Vec<u8>)> {
        self.console.take_output()
    }

    /// Keyboard or stdin bytes; returns signals for process groups.
    pub fn console_input(&mut self, bytes: &[u8]) -> Vec<TtySignal> {
        self.console.input(bytes)
    }

    /// The host's stdin reached end of file.
    pub fn console_eof(&mut self) {
        self.console.eof()
    }

    /// The host terminal's new size; returns SIGWINCH for the foreground group.
    pub fn console_resize(&mut self, rows: u16, cols: u16) -> Vec<TtySignal> {
        self.console.resize(rows, cols)
    }

    /// Makes `pgid` the tty's foreground group and `sid` its session.
    pub fn set_console_foreground(&mut self, pgid: Pid, sid: Pid) {
        self.console.foreground = pgid;
        self.console.session = sid;
    }

    /// Loads a program for `execve`: follows symlinks, requires a regular
    /// file with an execute bit (`EACCES`), and at least 4 bytes (`ENOEXEC`).
    pub fn read_executable(&mut self, ctx: &FsContext, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let start = self.cwd(ctx);
        let loc = self.resolve(start, path, true)?;
        let st = self.stat_loc(loc)?;
        if st.file_type() != Some(super::FileType::Regular) || st.mode & 0o111 == 0 {
            return Err(Errno::EACCES);
        }
        if st.size > MAX_EXECUTABLE {
            return Err(Errno::ENOMEM);
        }
        let fs = self.fs(loc.mnt);
        let mut fs = fs.borrow_mut();
        let mut bytes = vec![0; st.size as usize];
        let mut done = 0;
        while done < bytes.len() {
            let n = fs.read(loc.ino, done as u64, &mut bytes[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        bytes.truncate(done);
        if bytes.len() < 4 {
            return Err(Errno::ENOEXEC);
        }
        Ok(bytes)
    }
}

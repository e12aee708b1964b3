//! The snapshot `/proc` serves ([`ProcView`]) and [`refresh`], which builds
//! it from the kernel's tasks, address spaces and mounts.
//!
//! A file system only sees inode numbers, not the kernel, so everything a
//! `/proc` file shows is copied here first. The copy is cheap: `cwd` and
//! `fd/N` links keep where their path started and the path
//! ([`Link::Path`]), and the VFS makes them absolute only when one is read
//! (`Vfs::readlink`), since that walks directories.

use std::collections::BTreeMap;

use tabvm_mem::Prot;

use crate::abi::signal::{SIG_DFL, SIG_IGN};
use crate::task::{Creds, Mm, Pid, Rlimit, RunState, Task, Usage, Zombie};
use crate::vfs::file::{FileKind, OpenFile};
use crate::vfs::{Loc, Vfs};
use crate::Kernel;

/// What `/proc` shows: the caller, every process, and global facts.
#[derive(Default)]
pub(crate) struct ProcView {
    /// The process and thread `/proc/self` and `/proc/thread-self` name.
    pub self_pid: Pid,
    pub self_tid: Pid,
    pub procs: BTreeMap<Pid, ProcInfo>,
    pub uptime_ns: u64,
    /// Wall-clock time of boot, in seconds since the epoch (`btime`).
    pub boot_secs: u64,
    /// CPU time used by every task since boot (`/proc/stat`).
    pub cpu: Usage,
    /// Processes and threads created since boot.
    pub forks: u64,
    /// Memory resident in all processes, in KiB.
    pub resident_kb: u64,
    pub mounts: Vec<MountInfo>,
}

/// One process as `/proc/<pid>` shows it.
#[derive(Clone, Default)]
pub(crate) struct ProcInfo {
    pub ppid: Pid,
    pub pgid: Pid,
    pub sid: Pid,
    /// Controlling terminal as Linux encodes it (0: none), and its
    /// foreground group (-1: none).
    pub tty_nr: u32,
    pub tpgid: i32,
    pub creds: Creds,
    pub umask: u32,
    /// The leader (or first) thread first.
    pub threads: Vec<ThreadInfo>,
    pub exe: Link,
    /// argv and the environment, each string NUL-terminated.
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
    pub cwd: Link,
    /// Descriptor and what its `fd/N` link says.
    pub fds: Vec<(u32, Link)>,
    pub maps: Vec<MapEntry>,
    pub mem: MemStats,
    pub start_ns: u64,
    /// What the waited-for children used.
    pub children: Usage,
    pub rlimits: Vec<Rlimit>,
    /// Signals ignored and caught (with a handler).
    pub sig_ignored: u64,
    pub sig_caught: u64,
    pub exit_signal: u32,
}

/// One thread of a process.
#[derive(Clone, Default)]
pub(crate) struct ThreadInfo {
    pub tid: Pid,
    /// Its name (the first thread's names the process).
    pub comm: Vec<u8>,
    /// `R`, `S`, `T` or `Z`.
    pub state: u8,
    pub usage: Usage,
    pub sig_pending: u64,
    pub sig_blocked: u64,
    pub nice: i32,
}

impl ProcInfo {
    /// The process's state: its first thread's, as Linux shows it.
    pub fn state(&self) -> u8 {
        self.threads.first().map_or(b'S', |t| t.state)
    }

    /// What all threads used.
    pub fn usage(&self) -> Usage {
        self.threads
            .iter()
            .fold(Usage::default(), |u, t| u.plus(t.usage))
    }

    pub fn thread(&self, tid: Pid) -> Option<&ThreadInfo> {
        self.threads.iter().find(|t| t.tid == tid)
    }
}

/// One line of `/proc/<pid>/maps`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MapEntry {
    pub start: u32,
    pub end: u32,
    /// `r`, `w`, `x` and `p` (private) or `s` (shared).
    pub perms: [u8; 4],
    pub offset: u64,
    /// Device and inode of the file behind it (0 for anonymous memory).
    pub dev: u64,
    pub ino: u64,
    /// A path, `[heap]`, `[stack]`, `[vdso]`, or empty.
    pub name: Vec<u8>,
}

/// Memory sizes of a process, in bytes (the `Vm*` lines of `status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MemStats {
    pub size: u64,
    pub peak_size: u64,
    pub rss: u64,
    pub peak_rss: u64,
    /// Resident pages backed by a file or shared memory.
    pub rss_shared: u64,
    /// Private writable memory other than the stack.
    pub data: u64,
    pub stack: u64,
    /// Executable mappings of the program itself, and of other files.
    pub exe: u64,
    pub lib: u64,
}

/// One mount, for `/proc/mounts` and `/proc/<pid>/mountinfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MountInfo {
    pub id: u32,
    pub parent: u32,
    pub dev: u64,
    pub path: Vec<u8>,
    pub fstype: &'static str,
    pub source: &'static str,
}

/// What a `/proc` symlink says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// Exactly this (`pipe:[3]`, `/dev/pts/0`).
    Text(Vec<u8>),
    /// The absolute form of this path walked from that directory.
    Path(Loc, Vec<u8>),
}

impl Default for Link {
    fn default() -> Self {
        Link::Text(Vec::new())
    }
}

impl Link {
    /// The text, with a path left as it was given (the VFS resolves it).
    pub fn raw(&self) -> &[u8] {
        match self {
            Link::Text(t) | Link::Path(_, t) => t,
        }
    }
}

/// Rebuilds the snapshot `/proc` shows, with `me` (out of the task map
/// while it runs a system call) as `self`.
pub(crate) fn refresh(k: &Kernel, me: &Task) {
    let vfs = &k.vfs;
    let all = || std::iter::once(me).chain(k.tasks.values());
    // Leaders first, so a process is described by its leader when it has one.
    let mut ordered: Vec<&Task> = all().collect();
    ordered.sort_by_key(|t| (t.pid, t.tid != t.pid, t.tid));
    let mut procs: BTreeMap<Pid, ProcInfo> = BTreeMap::new();
    for t in ordered {
        let running = std::ptr::eq(t, me);
        let p = procs.entry(t.pid).or_insert_with(|| process(k, t));
        p.threads.push(thread(t, running));
    }
    for (&pid, z) in &k.zombies {
        procs.entry(pid).or_insert_with(|| zombie(pid, z));
    }
    let resident_kb = procs.values().map(|p| p.mem.rss >> 10).sum();
    let view = ProcView {
        self_pid: me.pid,
        self_tid: me.tid,
        procs,
        uptime_ns: k.now.monotonic_ns,
        boot_secs: k.now.realtime_ns.saturating_sub(k.now.monotonic_ns) / 1_000_000_000,
        cpu: k.cpu_usage,
        forks: k.forks,
        resident_kb,
        mounts: mounts(vfs),
    };
    *vfs.proc.borrow_mut() = view;
}

/// Memory resident in all processes, in KiB (`sysinfo`, `/proc/meminfo`).
pub(crate) fn resident_kb(k: &Kernel, me: &Task) -> u64 {
    let mut seen: Vec<*const std::cell::RefCell<Mm>> = Vec::new();
    let mut kb = 0;
    for t in std::iter::once(me).chain(k.tasks.values()) {
        let ptr = std::rc::Rc::as_ptr(&t.mm);
        if !seen.contains(&ptr) {
            seen.push(ptr);
            kb +=
                t.mm.try_borrow_mut()
                    .map_or(0, |mut mm| sample(&mut mm, &t.exe).rss >> 10);
        }
    }
    kb
}

/// A process that exited and waits for its parent: a name, its family and
/// its usage, no memory or files.
fn zombie(pid: Pid, z: &Zombie) -> ProcInfo {
    ProcInfo {
        ppid: z.ppid,
        pgid: z.pgid,
        sid: z.sid,
        tpgid: -1,
        creds: Creds::new(z.uid, 0),
        threads: vec![ThreadInfo {
            tid: pid,
            comm: z.comm.clone(),
            state: b'Z',
            usage: z.usage,
            ..ThreadInfo::default()
        }],
        ..ProcInfo::default()
    }
}

fn thread(t: &Task, running: bool) -> ThreadInfo {
    ThreadInfo {
        tid: t.tid,
        comm: t.comm.clone(),
        state: match t.state {
            _ if running => b'R',
            RunState::Runnable => b'R',
            RunState::Blocked { .. } => b'S',
            RunState::Stopped { .. } => b'T',
        },
        usage: t.usage,
        sig_pending: t.sig.pending,
        sig_blocked: t.sig.mask,
        nice: t.nice,
    }
}

/// One process's entry, from its leader (or any of its threads); threads
/// are added by the caller.
fn process(k: &Kernel, t: &Task) -> ProcInfo {
    let vfs = &k.vfs;
    let files = t.files.borrow();
    // A description busy in the current call is left out rather than waited for.
    let fds = files
        .fds()
        .filter_map(|fd| Some((fd, fd_target(&*files.get(fd).ok()?.try_borrow().ok()?))))
        .collect();
    let fs = t.fs.borrow();
    let console = &vfs.console;
    let has_tty = console.has_tty() && t.sid == console.session;
    let (mut sig_ignored, mut sig_caught) = (0, 0);
    for sig in 1..=crate::abi::signal::NSIG {
        match t.sig.action(sig).handler {
            SIG_DFL => {}
            SIG_IGN => sig_ignored |= crate::signal::bit(sig),
            _ => sig_caught |= crate::signal::bit(sig),
        }
    }
    // The mm may be borrowed if the caller is inside a memory operation; then
    // the maps are simply unknown.
    let (maps, mem) = t.mm.try_borrow_mut().map_or_else(
        |_| (Vec::new(), MemStats::default()),
        |mut mm| (map_entries(vfs, &mm), sample(&mut mm, &t.exe)),
    );
    ProcInfo {
        ppid: t.ppid,
        pgid: t.pgid,
        sid: t.sid,
        // The console is /dev/pts/0: major 136, minor 0.
        tty_nr: if has_tty { 136 << 8 } else { 0 },
        tpgid: if has_tty {
            console.foreground as i32
        } else {
            -1
        },
        creds: t.creds.clone(),
        umask: fs.umask,
        threads: Vec::new(),
        exe: Link::Text(t.exe.clone()),
        cmdline: t.cmdline.clone(),
        environ: t.environ.clone(),
        cwd: Link::Path(vfs.cwd(&fs), b".".to_vec()),
        fds,
        maps,
        mem,
        start_ns: t.start_ns,
        children: t.children_usage,
        rlimits: t.rlimits.to_vec(),
        sig_ignored,
        sig_caught,
        exit_signal: t.exit_signal,
    }
}

/// What `/proc/<pid>/fd/N` says about an open file.
fn fd_target(file: &OpenFile) -> Link {
    if let Some((start, path)) = file.node.as_ref().and_then(|n| n.origin.as_ref()) {
        return Link::Path(*start, path.clone());
    }
    Link::Text(match &file.kind {
        FileKind::Pipe(p) => format!("pipe:[{}]", p.id).into_bytes(),
        FileKind::Stdin | FileKind::Output(_) => b"pipe:[1]".to_vec(),
        FileKind::Tty => b"/dev/pts/0".to_vec(),
        FileKind::Special(s) => s.0.link().into_bytes(),
        _ => b"anon_inode:[unknown]".to_vec(),
    })
}

/// The lines of `maps`: each region with the file behind it, if any.
fn map_entries(vfs: &Vfs, mm: &Mm) -> Vec<MapEntry> {
    let mut out = Vec::new();
    for r in mm.space.regions() {
        let len = r.end.wrapping_sub(r.start);
        let shared = mm.shared.iter().any(|s| s.overlaps(r.start, len));
        let bit = |has: bool, c: u8| if has { c } else { b'-' };
        let prot = r.prot;
        let mut entry = MapEntry {
            start: r.start,
            end: r.end,
            perms: [
                bit(prot.contains(Prot::READ), b'r'),
                bit(prot.contains(Prot::WRITE), b'w'),
                bit(prot.contains(Prot::EXEC), b'x'),
                if shared { b's' } else { b'p' },
            ],
            name: r.name.clone().into_bytes(),
            ..MapEntry::default()
        };
        let file = mm
            .file_maps
            .iter()
            .find_map(|f| f.overlap(r.start, r.end).map(|(_, _, off)| (f, off)));
        if let Some((f, offset)) = file {
            entry.offset = offset;
            if let Ok(open) = f.file.try_borrow() {
                if let Some(node) = &open.node {
                    entry.dev = node.dev;
                    entry.ino = node.loc.ino;
                    if let Some((start, path)) = &node.origin {
                        entry.name = vfs.canonical(*start, path).unwrap_or_else(|| path.clone());
                    }
                }
            }
        } else if entry.name.starts_with(b"/") {
            // A region named by its file's path (as the loader may name
            // the program's segments) without a mapping record.
            if let Ok(loc) = vfs.resolve(vfs.root_loc(), &entry.name, true) {
                entry.dev = vfs.mounts[loc.mnt].dev;
                entry.ino = loc.ino;
            }
        }
        // Linux merges neighbouring areas that continue one another (the
        // heap grown twice, a file mapped piecewise); the region list may
        // keep them apart.
        match out.last_mut() {
            Some(prev) if continues(prev, &entry) => prev.end = entry.end,
            _ => out.push(entry),
        }
    }
    out
}

/// Whether `next` directly continues `prev`: adjacent, same permissions
/// and name, and the same file at the following offset.
fn continues(prev: &MapEntry, next: &MapEntry) -> bool {
    prev.end == next.start
        && prev.perms == next.perms
        && prev.name == next.name
        && (prev.dev, prev.ino) == (next.dev, next.ino)
        && (prev.ino == 0 || prev.offset + u64::from(prev.end - prev.start) == next.offset)
}

/// The memory sizes of a process running `exe` now, raising its recorded
/// peaks.
pub(crate) fn sample(mm: &mut Mm, exe: &[u8]) -> MemStats {
    let mut s = MemStats::default();
    for r in mm.space.regions() {
        let len = u64::from(r.end.wrapping_sub(r.start));
        let resident = u64::from(mm.space.resident_pages(r.start, r.end)) << 12;
        let shared = mm
            .shared
            .iter()
            .any(|a| a.overlaps(r.start, r.end.wrapping_sub(r.start)));
        let file = r.name.starts_with('/')
            || mm
                .file_maps
                .iter()
                .any(|f| f.overlap(r.start, r.end).is_some());
        s.size += len;
        s.rss += resident;
        if shared || file {
            s.rss_shared += resident;
        }
        let (write, exec) = (r.prot.contains(Prot::WRITE), r.prot.contains(Prot::EXEC));
        if r.name == "[stack]" {
            s.stack += len;
        } else if write && !shared {
            s.data += len;
        } else if exec && r.name.as_bytes() == exe {
            s.exe += len;
        } else if exec && file {
            s.lib += len;
        }
    }
    mm.peak = (mm.peak.0.max(s.size), mm.peak.1.max(s.rss));
    (s.peak_size, s.peak_rss) = mm.peak;
    s
}

/// The mount table, by index in the VFS (ids start at 1).
fn mounts(vfs: &Vfs) -> Vec<MountInfo> {
    vfs.mounts
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (path, parent) = match &m.at {
                None => (b"/".to_vec(), i),
                Some((dir, name)) => (
                    super::join(&vfs.path_of(*dir).unwrap_or_else(|_| b"/".to_vec()), name),
                    dir.mnt,
                ),
            };
            let fstype = super::fs_type(m.fs.borrow_mut().statfs().magic);
            MountInfo {
                id: i as u32 + 1,
                parent: parent as u32 + 1,
                dev: m.dev,
                path,
                fstype,
                source: if i == 0 { "/dev/root" } else { fstype },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(start: u32, end: u32, offset: u64, ino: u64, name: &[u8]) -> MapEntry {
        MapEntry {
            start,
            end,
            perms: *b"r--p",
            offset,
            ino,
            name: name.to_vec(),
            ..MapEntry::default()
        }
    }

    #[test]
    fn neighbouring_areas_merge_only_when_they_continue() {
        let heap = area(0x1000, 0x2000, 0, 0, b"[heap]");
        assert!(continues(&heap, &area(0x2000, 0x3000, 0, 0, b"[heap]")));
        assert!(!continues(&heap, &area(0x3000, 0x4000, 0, 0, b"[heap]")));
        assert!(!continues(&heap, &area(0x2000, 0x3000, 0, 0, b"")));
        let lib = area(0x1000, 0x2000, 0x5000, 9, b"/lib/x");
        assert!(continues(&lib, &area(0x2000, 0x3000, 0x6000, 9, b"/lib/x")));
        assert!(!continues(
            &lib,
            &area(0x2000, 0x3000, 0x9000, 9, b"/lib/x")
        ));
        let mut writable = area(0x2000, 0x3000, 0x6000, 9, b"/lib/x");
        writable.perms = *b"rw-p";
        assert!(!continues(&lib, &writable));
    }
}

//! The text of `/proc` files, in Linux's formats (`fs/proc/array.c`,
//! `task_mmu.c`, `base.c`, `stat.c`…), from a [`ProcView`].
//!
//! Times are in clock ticks of 100 Hz (`AT_CLKTCK`), memory in KiB or
//! pages as each file has it. Counters this kernel does not keep (page
//! faults, context switches, interrupts) are 0.

use std::fmt::Write;

use super::snapshot::{MountInfo, ProcInfo, ProcView, ThreadInfo};
use crate::abi::stat::decode_dev;
use crate::task::{Pid, Usage};

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
const HZ: u64 = 100;
const PAGE: u64 = 4096;
/// Guest RAM, as `sysinfo` reports it.
const TOTAL_RAM_KB: u64 = (crate::sys::TOTAL_RAM as u64) >> 10;
/// Capabilities of root in Linux 6.1 (41 of them), none for others.
const ALL_CAPS: u64 = (1 << 41) - 1;

fn ticks(ns: u64) -> u64 {
    ns / (1_000_000_000 / HZ)
}

/// `seconds.centiseconds`.
fn centi(ns: u64) -> String {
    let cs = ns / 10_000_000;
    format!("{}.{:02}", cs / 100, cs % 100)
}

/// The name of a thread, or of the process (its first thread's).
pub(super) fn comm<'a>(p: &'a ProcInfo, thread: Option<&'a ThreadInfo>) -> &'a [u8] {
    thread
        .or(p.threads.first())
        .map_or(&[][..], |t| t.comm.as_slice())
}

/// `/proc/<pid>/stat` or `task/<tid>/stat`: Linux's 52 fields. `thread` is
/// the thread asked for, `None` for the whole process.
pub(super) fn stat(pid: Pid, p: &ProcInfo, thread: Option<&ThreadInfo>) -> String {
    let nice = thread.or(p.threads.first()).map_or(0, |t| t.nice);
    let (id, state, usage, pending, blocked) = match thread {
        Some(t) => (t.tid, t.state, t.usage, t.sig_pending, t.sig_blocked),
        None => {
            let blocked = p.threads.first().map_or(0, |t| t.sig_blocked);
            let pending = p.threads.iter().fold(0, |m, t| m | t.sig_pending);
            (pid, p.state(), p.usage(), pending, blocked)
        }
    };
    let rsslim = p
        .rlimits
        .get(5)
        .map_or(u64::MAX, |l| l.cur)
        .min(u64::from(u32::MAX));
    let fields: [i64; 48] = [
        i64::from(p.ppid),
        i64::from(p.pgid),
        i64::from(p.sid),
        i64::from(p.tty_nr),
        i64::from(p.tpgid),
        // flags: PF_RANDOMIZE, as for any process with ASLR.
        0x0040_0000,
        0,
        0,
        0,
        0,
        ticks(usage.user_ns) as i64,
        ticks(usage.sys_ns) as i64,
        ticks(p.children.user_ns) as i64,
        ticks(p.children.sys_ns) as i64,
        // priority and nice, for the normal scheduling class.
        20 + i64::from(nice),
        i64::from(nice),
        p.threads.len() as i64,
        0,
        ticks(p.start_ns) as i64,
        p.mem.size as i64,
        (p.mem.rss / PAGE) as i64,
        rsslim as i64,
        // startcode, endcode, startstack, kstkesp, kstkeip: not recorded
        // (0, what Linux shows a process that may not trace this one).
        0,
        0,
        0,
        0,
        0,
        // Signal sets: the first word, as a 32-bit kernel prints them.
        (pending & 0xffff_ffff) as i64,
        (blocked & 0xffff_ffff) as i64,
        (p.sig_ignored & 0xffff_ffff) as i64,
        (p.sig_caught & 0xffff_ffff) as i64,
        // wchan, nswap, cnswap
        0,
        0,
        0,
        i64::from(p.exit_signal),
        // processor, rt_priority, policy, delayacct_blkio_ticks, guest times
        0,
        0,
        0,
        0,
        0,
        0,
        // start_data … env_end: not recorded either.
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    let mut s = format!(
        "{id} ({}) {}",
        String::from_utf8_lossy(comm(p, thread)),
        state as char
    );
    for f in fields {
        let _ = write!(s, " {f}");
    }
    // exit_code: 0 while the process lives.
    s.push_str(" 0\n");
    s
}

fn state_name(state: u8) -> &'static str {
    match state {
        b'R' => "R (running)",
        b'T' => "T (stopped)",
        b'Z' => "Z (zombie)",
        _ => "S (sleeping)",
    }
}

/// `/proc/<pid>/status` (or a thread's), in Linux 6.1's order.
pub(super) fn status(pid: Pid, p: &ProcInfo, thread: Option<&ThreadInfo>) -> String {
    let (id, state, pending, blocked) = match thread {
        Some(t) => (t.tid, t.state, t.sig_pending, t.sig_blocked),
        None => p.threads.first().map_or((pid, b'S', 0, 0), |t| {
            (pid, t.state, t.sig_pending, t.sig_blocked)
        }),
    };
    let shared_pending = 0;
    let (u, g) = (p.creds.user, p.creds.group);
    let m = p.mem;
    let kb = |b: u64| b >> 10;
    // Each group is followed by a space, as Linux prints them.
    let groups: String = p.creds.groups.iter().map(|g| format!("{g} ")).collect();
    let caps = if u.effective == 0 { ALL_CAPS } else { 0 };
    let queued = pending.count_ones();
    let sigq_max = p
        .rlimits
        .get(11)
        .map_or(u64::MAX, |l| l.cur)
        .min(u64::from(u32::MAX));
    let fd_size = p
        .fds
        .iter()
        .map(|(fd, _)| fd + 1)
        .max()
        .unwrap_or(0)
        .max(64)
        .next_power_of_two();
    let mut s = String::new();
    let _ = write!(
        s,
        "Name:\t{}\nUmask:\t{:04o}\nState:\t{}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{id}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{fd_size}\nGroups:\t{}\n\
         NStgid:\t{pid}\nNSpid:\t{id}\nNSpgid:\t{}\nNSsid:\t{}\n",
        String::from_utf8_lossy(comm(p, thread)),
        p.umask,
        state_name(state),
        p.ppid,
        u.real,
        u.effective,
        u.saved,
        u.fs,
        g.real,
        g.effective,
        g.saved,
        g.fs,
        groups,
        p.pgid,
        p.sid,
    );
    let _ = write!(
        s,
        "VmPeak:\t{:8} kB\nVmSize:\t{:8} kB\nVmLck:\t{:8} kB\nVmPin:\t{:8} kB\nVmHWM:\t{:8} kB\nVmRSS:\t{:8} kB\n\
         RssAnon:\t{:8} kB\nRssFile:\t{:8} kB\nRssShmem:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\n\
         VmExe:\t{:8} kB\nVmLib:\t{:8} kB\nVmPTE:\t{:8} kB\nVmSwap:\t{:8} kB\n",
        kb(m.peak_size),
        kb(m.size),
        0,
        0,
        kb(m.peak_rss),
        kb(m.rss),
        kb(m.rss - m.rss_shared),
        kb(m.rss_shared),
        0,
        kb(m.data),
        kb(m.stack),
        kb(m.exe),
        kb(m.lib),
        // One 4 KiB page-table page per 4 MiB of address space.
        4 * m.size.div_ceil(4 << 20),
        0,
    );
    let _ = write!(
        s,
        "Threads:\t{}\nSigQ:\t{queued}/{sigq_max}\nSigPnd:\t{pending:016x}\nShdPnd:\t{shared_pending:016x}\n\
         SigBlk:\t{blocked:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n\
         CapInh:\t{:016x}\nCapPrm:\t{caps:016x}\nCapEff:\t{caps:016x}\nCapBnd:\t{ALL_CAPS:016x}\nCapAmb:\t{:016x}\n\
         NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n\
         Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        p.threads.len(),
        p.sig_ignored,
        p.sig_caught,
        0,
        0,
    );
    s
}

/// `/proc/<pid>/statm`: sizes in pages.
pub(super) fn statm(p: &ProcInfo) -> String {
    let m = p.mem;
    format!(
        "{} {} {} {} 0 {} 0\n",
        m.size / PAGE,
        m.rss / PAGE,
        m.rss_shared / PAGE,
        m.exe / PAGE,
        (m.data + m.stack) / PAGE
    )
}

/// `/proc/<pid>/maps`: names start in the 50th column, where an i386
/// kernel pads them (a 64-bit one pads to the 74th).
pub(super) fn maps(p: &ProcInfo) -> Vec<u8> {
    let mut out = Vec::new();
    for e in &p.maps {
        let (major, minor) = decode_dev(e.dev);
        let mut line = format!(
            "{:08x}-{:08x} {} {:08x} {major:02x}:{minor:02x} {} ",
            e.start,
            e.end,
            String::from_utf8_lossy(&e.perms),
            e.offset,
            e.ino
        )
        .into_bytes();
        if !e.name.is_empty() {
            line.resize(line.len().max(49), b' ');
            line.extend_from_slice(&e.name);
        }
        line.push(b'\n');
        out.extend(line);
    }
    out
}

/// `/proc/<pid>/limits`.
pub(super) fn limits(p: &ProcInfo) -> String {
    const NAMES: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let value = |v: u64| {
        if v == u64::MAX {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    let mut s = format!(
        "{:<25} {:<20} {:<20} {:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    for ((name, unit), l) in NAMES.iter().zip(&p.rlimits) {
        let _ = write!(s, "{name:<25} {:<20} {:<20} ", value(l.cur), value(l.max));
        if unit.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "{unit:<10}");
        }
    }
    s
}

/// `/proc/mounts`.
pub(super) fn mounts(mounts: &[MountInfo]) -> String {
    let mut s = String::new();
    for m in mounts {
        let _ = writeln!(
            s,
            "{} {} {} rw,relatime 0 0",
            m.source,
            String::from_utf8_lossy(&m.path),
            m.fstype
        );
    }
    s
}

/// `/proc/<pid>/mountinfo`.
pub(super) fn mountinfo(mounts: &[MountInfo]) -> String {
    let mut s = String::new();
    for m in mounts {
        let (major, minor) = decode_dev(m.dev);
        let _ = writeln!(
            s,
            "{} {} {major}:{minor} / {} rw,relatime - {} {} rw",
            m.id,
            m.parent,
            String::from_utf8_lossy(&m.path),
            m.fstype,
            m.source
        );
    }
    s
}

/// `/proc/stat`: one CPU; idle is the uptime not spent running tasks.
pub(super) fn kernel_stat(view: &ProcView) -> String {
    let Usage {
        user_ns, sys_ns, ..
    } = view.cpu;
    let (user, system) = (ticks(user_ns), ticks(sys_ns));
    let idle = ticks(view.uptime_ns).saturating_sub(user + system);
    let cpu = format!("{user} 0 {system} {idle} 0 0 0 0 0 0");
    let running = view
        .procs
        .values()
        .flat_map(|p| &p.threads)
        .filter(|t| t.state == b'R')
        .count();
    format!(
        "cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt 0\nbtime {}\nprocesses {}\nprocs_running {running}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        view.boot_secs, view.forks
    )
}

/// `/proc/loadavg`: load averages are not tracked (0.00); the running and
/// total thread counts and the newest pid are.
pub(super) fn loadavg(view: &ProcView) -> String {
    let threads = view.procs.values().flat_map(|p| &p.threads);
    let running = threads.clone().filter(|t| t.state == b'R').count();
    let newest = threads.map(|t| t.tid).max().unwrap_or(0);
    format!(
        "0.00 0.00 0.00 {running}/{} {newest}\n",
        view.procs.values().map(|p| p.threads.len()).sum::<usize>()
    )
}

/// `/proc/uptime`: uptime and idle time (the single CPU's).
pub(super) fn uptime(view: &ProcView) -> String {
    let busy = view.cpu.user_ns + view.cpu.sys_ns;
    format!(
        "{} {}\n",
        centi(view.uptime_ns),
        centi(view.uptime_ns.saturating_sub(busy))
    )
}

/// `/proc/meminfo`: guest RAM less what processes hold resident.
pub(super) fn meminfo(view: &ProcView) -> String {
    let free = TOTAL_RAM_KB.saturating_sub(view.resident_kb);
    let lines = [
        ("MemTotal", TOTAL_RAM_KB),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", view.resident_kb),
        ("Inactive", 0),
        ("Shmem", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
    ];
    let mut s = String::new();
    for (name, kb) in lines {
        let _ = writeln!(s, "{:<16}{kb:8} kB", format!("{name}:"));
    }
    s
}

/// One i686 CPU, matching what CPUID reports (`tabvm_cpu`'s `cpuid.rs`:
/// GenuineIntel, family 6 model 13 stepping 8); the flags are Linux's names
/// of the feature bits it sets.
pub(super) fn cpuinfo() -> String {
    const EDX: [(u32, &str); 9] = [
        (0, "fpu"),
        (4, "tsc"),
        (8, "cx8"),
        (15, "cmov"),
        (19, "clflush"),
        (23, "mmx"),
        (24, "fxsr"),
        (25, "sse"),
        (26, "sse2"),
    ];
    const ECX: [(u32, &str); 2] = [(0, "pni"), (9, "ssse3")];
    let has = |word: u32, bit: u32| word & (1 << bit) != 0;
    let flags: Vec<&str> = EDX
        .iter()
        .filter(|(b, _)| has(tabvm_cpu::CPUID_FEATURES_EDX, *b))
        .chain(
            ECX.iter()
                .filter(|(b, _)| has(tabvm_cpu::CPUID_FEATURES_ECX, *b)),
        )
        .map(|(_, name)| *name)
        .collect();
    format!(
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 13\n\
         model name\t: tabvm virtual i686 CPU\nstepping\t: 8\ncpu MHz\t\t: 1000.000\n\
         physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\nfpu\t\t: yes\n\
         fpu_exception\t: yes\ncpuid level\t: 1\nwp\t\t: yes\nflags\t\t: {}\n\
         clflush size\t: 64\nbogomips\t: 2000.00\n\n",
        flags.join(" ")
    )
}

/// `/proc/version`, from what `uname` reports.
pub(super) fn version() -> String {
    let [sys, _, release, version, ..] = crate::sys::UTS;
    format!("{sys} version {release} (tabvm) {version}\n")
}

/// `/proc/filesystems`: the kinds this kernel mounts.
pub(super) const FILESYSTEMS: &str =
    "nodev\tsysfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n\text2\n";

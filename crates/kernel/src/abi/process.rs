//! `linux/sched.h` (clone flags), `linux/wait.h`, `linux/resource.h`,
//! `linux/utsname.h`: process creation, waiting and limits.

pub const CSIGNAL: u32 = 0x0000_00ff;
pub const CLONE_VM: u32 = 0x0000_0100;
pub const CLONE_FS: u32 = 0x0000_0200;
pub const CLONE_FILES: u32 = 0x0000_0400;
pub const CLONE_SIGHAND: u32 = 0x0000_0800;
pub const CLONE_PTRACE: u32 = 0x0000_2000;
pub const CLONE_VFORK: u32 = 0x0000_4000;
pub const CLONE_PARENT: u32 = 0x0000_8000;
pub const CLONE_THREAD: u32 = 0x0001_0000;
pub const CLONE_SYSVSEM: u32 = 0x0004_0000;
pub const CLONE_SETTLS: u32 = 0x0008_0000;
pub const CLONE_PARENT_SETTID: u32 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u32 = 0x0020_0000;
pub const CLONE_DETACHED: u32 = 0x0040_0000;
pub const CLONE_CHILD_SETTID: u32 = 0x0100_0000;

/// `wait4`/`waitid` options.
pub const WNOHANG: u32 = 0x0000_0001;
pub const WUNTRACED: u32 = 0x0000_0002;
pub const WSTOPPED: u32 = WUNTRACED;
pub const WEXITED: u32 = 0x0000_0004;
pub const WCONTINUED: u32 = 0x0000_0008;
pub const WNOWAIT: u32 = 0x0100_0000;
pub const WNOTHREAD: u32 = 0x2000_0000;
pub const WALL: u32 = 0x4000_0000;
pub const WCLONE: u32 = 0x8000_0000;

/// `waitid` id types.
pub const P_ALL: u32 = 0;
pub const P_PID: u32 = 1;
pub const P_PGID: u32 = 2;

/// `struct rusage` is 72 bytes on i386 (two timevals and fourteen longs).
pub const RUSAGE_SIZE: usize = 72;

/// Resource numbers (`RLIMIT_*`).
pub const RLIMIT_STACK: u32 = 3;
pub const RLIMIT_CORE: u32 = 4;
pub const RLIMIT_NOFILE: u32 = 7;
pub const RLIM_NLIMITS: u32 = 16;
pub const RLIM64_INFINITY: u64 = u64::MAX;

/// `struct new_utsname`: six fields of 65 bytes.
pub const UTSNAME_FIELD: usize = 65;

/// `struct user_desc` of `set_thread_area`: entry_number, base_addr, limit,
/// then flag bits.
pub const USER_DESC_SIZE: usize = 16;
pub mod user_desc {
    pub const SEG_32BIT: u32 = 1 << 0;
    pub const CONTENTS_SHIFT: u32 = 1;
    pub const READ_EXEC_ONLY: u32 = 1 << 3;
    pub const LIMIT_IN_PAGES: u32 = 1 << 4;
    pub const SEG_NOT_PRESENT: u32 = 1 << 5;
    pub const USEABLE: u32 = 1 << 6;
}

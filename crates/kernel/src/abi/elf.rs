//! `linux/elf.h` (ELF32) and `linux/auxvec.h`: the executable format and the
//! auxiliary vector the loader hands to a new program.

pub const ELFMAG: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// `e_ident[EI_CLASS]`.
pub const ELFCLASS32: u8 = 1;
pub const ELFCLASS64: u8 = 2;
/// `e_ident[EI_DATA]`: little-endian.
pub const ELFDATA2LSB: u8 = 1;

/// `e_type`.
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;

/// `e_machine` values worth naming in an error message.
pub const EM_386: u16 = 3;
pub const MACHINE_NAMES: &[(u16, &str)] = &[
    (2, "SPARC"),
    (8, "MIPS"),
    (20, "PowerPC"),
    (21, "PowerPC64"),
    (22, "S390"),
    (40, "ARM"),
    (43, "SPARC64"),
    (62, "x86-64"),
    (183, "AArch64"),
    (243, "RISC-V"),
];

/// `p_type`.
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;

/// `p_flags`.
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

pub const EHDR_SIZE: usize = 52;
pub const PHDR_SIZE: usize = 32;

/// Auxiliary vector keys (`AT_*`).
pub const AT_NULL: u32 = 0;
pub const AT_PHDR: u32 = 3;
pub const AT_PHENT: u32 = 4;
pub const AT_PHNUM: u32 = 5;
pub const AT_PAGESZ: u32 = 6;
pub const AT_BASE: u32 = 7;
pub const AT_FLAGS: u32 = 8;
pub const AT_ENTRY: u32 = 9;
pub const AT_UID: u32 = 11;
pub const AT_EUID: u32 = 12;
pub const AT_GID: u32 = 13;
pub const AT_EGID: u32 = 14;
pub const AT_PLATFORM: u32 = 15;
pub const AT_HWCAP: u32 = 16;
pub const AT_CLKTCK: u32 = 17;
pub const AT_SECURE: u32 = 23;
pub const AT_RANDOM: u32 = 25;
pub const AT_EXECFN: u32 = 31;

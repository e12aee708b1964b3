//! Loading an i386 executable into a fresh address space: the PT_LOAD
//! segments (with their bss), the heap start, the program interpreter named
//! by PT_INTERP (the dynamic loader, which then maps the libraries itself
//! with `mmap`), the signal-return trampoline page and the initial stack
//! (`stack.rs`). No vDSO is provided: without `AT_SYSINFO`, glibc makes
//! system calls with `int 0x80`.
//!
//! The file is read whole by the VFS and copied into private pages; nothing
//! stays mapped from the file, so a later write to it cannot change a running
//! program (as `ETXTBSY` guarantees on Linux).

pub mod elf;
mod stack;

use tabvm_mem::{page_align_down, page_align_up, AddressSpace, Prot, PAGE_SIZE};

use crate::abi::elf::*;
use crate::abi::errno::Errno;
use crate::abi::signal::{RETCODE, RT_RETCODE};
use elf::Image;
pub(crate) use stack::StackArgs;

/// One past the highest user address: the stack grows down from here.
pub const STACK_TOP: u32 = 0xc000_0000;
/// The stack mapping (`RLIMIT_STACK`'s default, 8 MiB).
pub const STACK_SIZE: u32 = 8 << 20;
/// Where a static PIE is placed: Linux's i386 `ELF_ET_DYN_BASE` with address
/// randomisation off, so addresses match a native run under `setarch -R`.
const PIE_BASE: u32 = 0x5655_5000;
/// A read-only, executable page holding `sigreturn` trampolines for handlers
/// installed without `SA_RESTORER` (Linux uses its vDSO); just below the stack
/// with a guard page between.
pub const SIGRETURN_PAGE: u32 = STACK_TOP - STACK_SIZE - 2 * PAGE_SIZE;
/// Offsets of the two trampolines in that page.
pub const SIGRETURN_OFFSET: u32 = 0;
pub const RT_SIGRETURN_OFFSET: u32 = 8;

/// Registers a loaded program starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub eip: u32,
    pub esp: u32,
}

/// Identity values the auxiliary vector reports.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Creds {
    pub uid: u32,
    pub gid: u32,
}

/// A program interpreter (dynamic loader) to map beside the program.
pub(crate) struct Interp<'a> {
    pub image: &'a Image,
    pub file: &'a [u8],
    /// Its absolute path, which names its mappings (`/proc/<pid>/maps`).
    pub name: &'a str,
}

/// Maps `image` from `file` into `space` (which should be empty), and its
/// interpreter if it has one, and builds the stack. `ENOMEM` if a segment
/// cannot be mapped, `E2BIG` for oversized arguments.
pub(crate) fn load(
    image: &Image,
    file: &[u8],
    name: &str,
    interp: Option<Interp>,
    space: &mut AddressSpace,
    args: StackArgs,
    creds: Creds,
) -> Result<Entry, Errno> {
    let bias = if image.relocatable { PIE_BASE } else { 0 };
    let end = map_segments(space, image, file, name, bias)?;
    space.set_brk_base(end);
    // The interpreter goes where `mmap` would put it, as Linux does.
    let interp_base = match &interp {
        Some(i) => Some(map_interp(space, i)?),
        None => None,
    };

    space
        .map_fixed(SIGRETURN_PAGE, PAGE_SIZE, Prot::READ | Prot::EXEC, "[vdso]")
        .map_err(|_| Errno::ENOMEM)?;
    let mut tramp = [0u8; 16];
    tramp[..8].copy_from_slice(&RETCODE);
    tramp[8..].copy_from_slice(&RT_RETCODE);
    space
        .poke(SIGRETURN_PAGE, &tramp)
        .map_err(|_| Errno::ENOMEM)?;

    let stack_base = STACK_TOP - STACK_SIZE;
    space
        .map_fixed(stack_base, STACK_SIZE, Prot::READ | Prot::WRITE, "[stack]")
        .map_err(|_| Errno::ENOMEM)?;
    let entry = image.entry.wrapping_add(bias);
    let start = match (&interp, interp_base) {
        (Some(i), Some(base)) => i.image.entry.wrapping_add(base),
        _ => entry,
    };
    let mut args = args;
    args.auxv.extend([
        // The CPUID leaf 1 EDX features the CPU reports.
        (AT_HWCAP, tabvm_cpu::CPUID_FEATURES_EDX),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, crate::abi::time::USER_HZ as u32),
        (AT_PHDR, image.phdr_addr().wrapping_add(bias)),
        (AT_PHENT, PHDR_SIZE as u32),
        (AT_PHNUM, image.phnum),
        (AT_BASE, interp_base.unwrap_or(0)),
        (AT_FLAGS, 0),
        (AT_ENTRY, entry),
        (AT_UID, creds.uid),
        (AT_EUID, creds.uid),
        (AT_GID, creds.gid),
        (AT_EGID, creds.gid),
        (AT_SECURE, 0),
    ]);
    let (esp, bytes) = stack::layout(STACK_TOP, &args)?;
    space.poke(esp, &bytes).map_err(|_| Errno::ENOMEM)?;
    Ok(Entry { eip: start, esp })
}

/// Maps the PT_LOAD segments of `image` at `bias` and copies their file
/// bytes; returns the page-aligned end of the highest one.
fn map_segments(
    space: &mut AddressSpace,
    image: &Image,
    file: &[u8],
    name: &str,
    bias: u32,
) -> Result<u32, Errno> {
    let mut highest = 0;
    // Map every segment first, then copy: two segments may share a page
    // (text end and data start), which then gets both protections.
    for seg in &image.loads {
        // `Image::parse` checked the unbiased range; a biased one must fit too.
        let at = seg
            .vaddr
            .checked_add(bias)
            .filter(|a| a.checked_add(seg.memsz).is_some_and(|e| e <= STACK_TOP));
        let at = at.ok_or(Errno::ENOEXEC)?;
        let start = page_align_down(at);
        let end = page_align_up(at + seg.memsz);
        let prot = prot_of(seg.flags);
        let mut from = start;
        if let Some(shared) = space.region(start).map(|r| r.prot) {
            space
                .protect(start, PAGE_SIZE, shared | prot)
                .map_err(|_| Errno::ENOMEM)?;
            from += PAGE_SIZE;
        }
        if end > from {
            space
                .map_fixed(from, end - from, prot, name)
                .map_err(|_| Errno::ENOMEM)?;
        }
        highest = highest.max(end);
    }
    for seg in &image.loads {
        let bytes = &file[seg.offset as usize..(seg.offset + seg.filesz) as usize];
        space
            .poke(seg.vaddr + bias, bytes)
            .map_err(|_| Errno::ENOMEM)?;
    }
    Ok(highest)
}

/// Maps a (position-independent) interpreter where the first free range
/// of its whole span lies; returns its load bias.
fn map_interp(space: &mut AddressSpace, interp: &Interp) -> Result<u32, Errno> {
    let loads = &interp.image.loads;
    let low = loads.iter().map(|s| page_align_down(s.vaddr)).min();
    let high = loads.iter().map(|s| page_align_up(s.vaddr + s.memsz)).max();
    let (Some(low), Some(high)) = (low, high) else {
        return Err(Errno::ENOEXEC);
    };
    if !interp.image.relocatable {
        return map_segments(space, interp.image, interp.file, interp.name, 0).map(|_| 0);
    }
    // Reserve the span to learn where it fits, then map the segments there.
    let at = space
        .map_anywhere(high - low, Prot::NONE, "")
        .map_err(|_| Errno::ENOMEM)?;
    space.unmap(at, high - low).map_err(|_| Errno::ENOMEM)?;
    let bias = at - low;
    map_segments(space, interp.image, interp.file, interp.name, bias)?;
    Ok(bias)
}

fn prot_of(flags: u32) -> Prot {
    let mut p = Prot::NONE;
    for (bit, prot) in [(PF_R, Prot::READ), (PF_W, Prot::WRITE), (PF_X, Prot::EXEC)] {
        if flags & bit != 0 {
            p |= prot;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::elf::tests::{build, text};
    use super::elf::Segment;
    use super::*;

    #[test]
    fn loads_segments_bss_brk_and_stack() {
        let data = Segment {
            kind: PT_LOAD,
            offset: 0x1000,
            vaddr: 0x0804_9ff0,
            filesz: 4,
            memsz: 0x2000,
            flags: PF_R | PF_W,
        };
        let file = build(&[text(0x1000, 0x1000), data], &[1, 2, 3, 4]);
        let image = Image::parse(&file).unwrap();
        let mut space = AddressSpace::new();
        let args = StackArgs {
            argv: &[b"p".to_vec()],
            envp: &[],
            execfn: b"/p",
            random: [0; 16],
            auxv: vec![],
        };
        let entry = load(
            &image,
            &file,
            "/p",
            None,
            &mut space,
            args,
            Creds::default(),
        )
        .unwrap();
        assert_eq!(entry.eip, 0x0804_9000);
        assert_eq!(space.read_u32(0x0804_9ff0), Ok(0x0403_0201));
        assert_eq!(space.read_u32(0x0804_9ff4), Ok(0)); // bss
        assert_eq!(space.read_u8(0x0804_8000), Ok(0x7f)); // ELF header in text
        assert!(space.write_u8(0x0804_8000, 0).is_err());
        assert!(space.write_u8(0x0804_a100, 0).is_ok());
        assert_eq!(space.brk(0), 0x0804_c000);
        assert_eq!(space.read_u32(entry.esp), Ok(1));
        assert_eq!(
            space.read_u8(SIGRETURN_PAGE + RT_SIGRETURN_OFFSET),
            Ok(0xb8)
        );
    }
}

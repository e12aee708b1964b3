//! Memory system calls: the heap, mappings and their protection, over the
//! task's `tabvm_mem::AddressSpace`.
//!
//! File-backed mappings are private copies: the pages are mapped anonymous
//! and filled with the file's bytes, read through the VFS. A shared writable
//! file mapping is refused (`ENODEV`, logged) until the page cache exists.
//! `MAP_SHARED|MAP_ANONYMOUS` ranges are shared with forked children by
//! `task/shared.rs`.

use tabvm_mem::{page_align_up, MapError, Prot, PAGE_SIZE};

use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::abi::mman::*;
use crate::loader::STACK_TOP;
use crate::task::filemap::FileMap;
use crate::task::shared::SharedAnon;
use crate::task::Mm;
use crate::vfs::read_mapped;
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (45, "brk", brk),
        (90, "mmap", old_mmap),
        (91, "munmap", munmap),
        (125, "mprotect", mprotect),
        (144, "msync", accept),
        (150, "mlock", accept),
        (151, "munlock", accept),
        (152, "mlockall", accept),
        (153, "munlockall", accept),
        (163, "mremap", mremap),
        (192, "mmap2", mmap2),
        (219, "madvise", madvise),
    ]
}

type Args = [u32; 6];

fn map_err(e: MapError) -> Errno {
    match e {
        MapError::Invalid => Errno::EINVAL,
        MapError::NoMemory => Errno::ENOMEM,
    }
}

/// Implements brk(2): returns the break in force afterwards.
fn brk(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    Ok(t.mem(|m| m.brk(a[0])))
}

/// Calls that need no work here: locking and syncing private memory.
fn accept(_: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    Ok(0)
}

/// Implements madvise(2). `MADV_DONTNEED` drops private pages: anonymous
/// ones read as zero again, file-backed ones as the file's bytes (read back
/// now rather than at the next touch). `MAP_SHARED|MAP_ANONYMOUS` ranges
/// keep their contents, as on Linux. Other advice is accepted and ignored.
fn madvise(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (start, len, advice) = (a[0], a[1], a[2]);
    if !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    if advice != MADV_DONTNEED || len == 0 {
        return Ok(0);
    }
    t.mem_mm(|mm| {
        let end = start
            .checked_add(page_align_up(len))
            .filter(|&e| e > start)
            .ok_or(Errno::EINVAL)?;
        let pages = (start..end).step_by(PAGE_SIZE as usize);
        // Linux fails on holes (after advising the mapped parts; here first).
        if pages.clone().any(|p| mm.space.region(p).is_none()) {
            return Err(Errno::ENOMEM);
        }
        if mm.shared.iter().any(|s| s.overlaps(start, end - start)) {
            for page in pages.filter(|&p| !mm.shared.iter().any(|s| s.overlaps(p, PAGE_SIZE))) {
                mm.space.discard(page, PAGE_SIZE).map_err(map_err)?;
            }
        } else {
            mm.space.discard(start, end - start).map_err(map_err)?;
        }
        refill_from_files(mm, start, end)?;
        Ok(0)
    })
    .map_err(Into::into)
}

/// Implements mmap2(2): the offset is in pages.
fn mmap2(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    mmap(
        k,
        t,
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        u64::from(a[5]) * u64::from(PAGE_SIZE),
    )
}

/// Implements the old mmap(2), whose arguments are a struct in memory.
fn old_mmap(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let b = t.mem(|m| uaccess::read_bytes(m, a[0], 24))?;
    let w = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    if !w(5).is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    mmap(k, t, w(0), w(1), w(2), w(3), w(4), u64::from(w(5)))
}

#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the mmap(2) argument list"
)]
fn mmap(
    k: &mut Kernel,
    t: &mut Task,
    addr: u32,
    len: u32,
    prot: u32,
    flags: u32,
    fd: u32,
    offset: u64,
) -> SysResult {
    if len == 0 || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let shared = match flags & MAP_TYPE {
        MAP_PRIVATE => false,
        MAP_SHARED | MAP_SHARED_VALIDATE => true,
        _ => return Err(Errno::EINVAL.into()),
    };
    if len > u32::MAX - PAGE_SIZE + 1 {
        return Err(Errno::ENOMEM.into());
    }
    let len = page_align_up(len);
    let anonymous = flags & MAP_ANONYMOUS != 0;
    // Read the first chunk before mapping, so that a bad descriptor leaves
    // memory untouched.
    let first = if anonymous {
        Vec::new()
    } else {
        if shared && prot & PROT_WRITE != 0 {
            k.log_once_in(
                "feature",
                192,
                &format!(
                    "shared writable file mappings are not supported yet (pid {})",
                    t.pid
                ),
            );
            return Err(Errno::ENODEV.into());
        }
        crate::vfs::read_fd_at(k, t, fd, offset, len.min(FILL_CHUNK) as usize)?
    };
    let prot = Prot::from_linux(prot);
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let start = t.mem_mm(|mm| {
        let m = &mut mm.space;
        if fixed {
            if !addr.is_multiple_of(PAGE_SIZE)
                || addr.checked_add(len).is_none_or(|e| e > STACK_TOP)
            {
                return Err(Errno::EINVAL);
            }
            if flags & MAP_FIXED == 0 && !m.is_free(addr, len) {
                return Err(Errno::EEXIST);
            }
            m.map_fixed(addr, len, prot, "").map_err(map_err)?;
            mm.unshare(addr, len);
            return Ok(addr);
        }
        // A hint is honoured when the range is free, as Linux does.
        let hint = addr & !(PAGE_SIZE - 1);
        if hint != 0
            && hint.checked_add(len).is_some_and(|e| e <= STACK_TOP)
            && m.is_free(hint, len)
        {
            m.map_fixed(hint, len, prot, "").map_err(map_err)?;
            return Ok(hint);
        }
        m.map_anywhere(len, prot, "").map_err(map_err)
    })?;
    if anonymous && shared {
        t.mem_mm(|mm| mm.shared.push(SharedAnon::new(start, len)));
    }
    if !anonymous {
        fill_from_file(k, t, fd, offset, start, len, first)?;
        let file = t.files.borrow().get(fd)?;
        t.mem_mm(|mm| {
            mm.file_maps.push(FileMap {
                start,
                end: start + len,
                offset,
                file,
            })
        });
    }
    Ok(start)
}

/// Reads the file-backed parts of `[start, end)` back from their files
/// after `MADV_DONTNEED` (past the end of a file the pages stay zero).
fn refill_from_files(mm: &mut Mm, start: u32, end: u32) -> Result<(), Errno> {
    let parts: Vec<_> = mm
        .file_maps
        .iter()
        .filter_map(|m| Some((m.overlap(start, end)?, m.file.clone())))
        .collect();
    for ((s, e, offset), file) in parts {
        let mut at = s;
        while at < e {
            let n = (e - at).min(FILL_CHUNK);
            let bytes = read_mapped(&file.borrow(), offset + u64::from(at - s), n as usize)?;
            mm.space.poke(at, &bytes).map_err(|_| Errno::ENOMEM)?;
            if bytes.len() < n as usize {
                break;
            }
            at += n;
        }
    }
    Ok(())
}

/// Bytes of a file-backed mapping read at a time: a large mapping of a
/// small file must not allocate the whole length on the host.
const FILL_CHUNK: u32 = 1 << 20;

/// Copies file bytes into the new mapping at `start`, chunk by chunk, until
/// the mapping is full or the file ends (the rest stays zero).
fn fill_from_file(
    k: &mut Kernel,
    t: &mut Task,
    fd: u32,
    offset: u64,
    start: u32,
    len: u32,
    first: Vec<u8>,
) -> Result<(), Errno> {
    let mut done = 0u32;
    let mut chunk = first;
    loop {
        t.mem(|m| m.poke(start + done, &chunk))
            .map_err(|_| Errno::ENOMEM)?;
        done += chunk.len() as u32;
        if chunk.len() < FILL_CHUNK as usize || done >= len {
            return Ok(());
        }
        let want = (len - done).min(FILL_CHUNK) as usize;
        chunk = crate::vfs::read_fd_at(k, t, fd, offset + u64::from(done), want)?;
    }
}

/// Implements munmap(2).
fn munmap(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.mem_mm(|mm| {
        mm.space.unmap(a[0], a[1])?;
        mm.unshare(a[0], a[1]);
        Ok(())
    })
    .map_err(map_err)?;
    Ok(0)
}

/// Implements mprotect(2). `PROT_GROWSDOWN`/`PROT_GROWSUP` are accepted and
/// apply to the given range only.
fn mprotect(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let known = PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP;
    if !a[0].is_multiple_of(PAGE_SIZE) || a[2] & !known != 0 {
        return Err(Errno::EINVAL.into());
    }
    if a[1] == 0 {
        return Ok(0);
    }
    t.mem(|m| m.protect(a[0], a[1], Prot::from_linux(a[2])))
        .map_err(map_err)?;
    Ok(0)
}

/// Implements mremap(2): shrinking, growing in place, or moving with
/// `MREMAP_MAYMOVE`. `MREMAP_FIXED` is not supported (`EINVAL`, logged).
fn mremap(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (old, flags) = (a[0], a[3]);
    if !old.is_multiple_of(PAGE_SIZE) || a[2] == 0 || flags & !MREMAP_MAYMOVE != 0 {
        if flags & MREMAP_FIXED != 0 {
            k.log_once_in(
                "feature",
                163,
                &format!(
                    "mremap with MREMAP_FIXED is not supported yet (pid {})",
                    t.pid
                ),
            );
        }
        return Err(Errno::EINVAL.into());
    }
    let (old_len, new_len) = (page_align_up(a[1]), page_align_up(a[2]));
    // A shared range that is resized stops being shared.
    t.mem_mm(|mm| mm.unshare(old, old_len));
    t.mem(|m| {
        // The old range must lie in one mapping (which also bounds the copy).
        let region = m.region(old).cloned().ok_or(Errno::EFAULT)?;
        if old.checked_add(old_len).is_none_or(|end| end > region.end) {
            return Err(Errno::EFAULT);
        }
        if new_len <= old_len {
            if new_len < old_len {
                m.unmap(old + new_len, old_len - new_len).map_err(map_err)?;
            }
            return Ok(old);
        }
        let grow = new_len - old_len;
        let tail = old
            .checked_add(old_len)
            .filter(|&e| e.checked_add(grow).is_some_and(|e| e <= STACK_TOP));
        if let Some(tail) = tail.filter(|&tail| m.is_free(tail, grow)) {
            m.map_fixed(tail, grow, region.prot, &region.name)
                .map_err(map_err)?;
            return Ok(old);
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::ENOMEM);
        }
        let new = m
            .map_anywhere(new_len, region.prot, &region.name)
            .map_err(map_err)?;
        let mut bytes = vec![0u8; old_len as usize];
        let copied = m
            .read_bytes(old, &mut bytes)
            .and_then(|()| m.poke(new, &bytes));
        if copied.is_err() {
            let _ = m.unmap(new, new_len);
            return Err(Errno::EFAULT);
        }
        m.unmap(old, old_len).map_err(map_err)?;
        Ok(new)
    })
    .map_err(Into::into)
}

//! Memory system calls: the heap, mappings and their protection, over the
//! task's `tabvm_mem::AddressSpace`.
//!
//! File-backed mappings are copies: the pages are mapped anonymous and
//! filled with the file's bytes, read through the VFS; `MAP_SHARED` ones are
//! then kept coherent with the file by `task/filemap.rs`.
//! `MAP_SHARED|MAP_ANONYMOUS` ranges are shared with forked children by
//! `task/shared.rs`.

use tabvm_mem::{page_align_up, MapError, Prot, PAGE_SIZE};

use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_ACCMODE, O_APPEND, O_RDWR};
use crate::abi::mman::*;
use crate::loader::STACK_TOP;
use crate::task::filemap::{self, FileMap};
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
        (144, "msync", msync),
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
        // Writing through a shared mapping writes the file: it must be open
        // for reading and writing, and not append-only.
        if shared && prot & PROT_WRITE != 0 {
            let flags = t.files.borrow().get(fd)?.borrow().flags;
            if flags & O_ACCMODE != O_RDWR || flags & O_APPEND != 0 {
                return Err(Errno::EACCES.into());
            }
        }
        crate::vfs::read_fd_at(k, t, fd, offset, len.min(FILL_CHUNK) as usize)?
    };
    let writable = prot & PROT_WRITE != 0;
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
        if let Err(e) = fill_from_file(k, t, fd, offset, start, len, first) {
            // No half-filled mapping survives a failure; in particular a
            // call restarted while the disk fetches maps afresh.
            t.mem_mm(|mm| mm.space.unmap(start, len).map_err(map_err))?;
            return Err(e.into());
        }
        let file = t.files.borrow().get(fd)?;
        let share = if shared {
            let key = file.borrow().node.as_ref().map(|n| (n.dev, n.loc.ino));
            let key = key.ok_or(Errno::ENODEV)?;
            let bytes = if writable {
                let mut b = vec![0u8; len as usize];
                t.mem(|m| m.read_bytes(start, &mut b))
                    .map_err(|_| Errno::EFAULT)?;
                Some(b)
            } else {
                None
            };
            Some(k.shares.share(key, bytes))
        } else {
            None
        };
        t.mem_mm(|mm| {
            mm.file_maps.push(FileMap {
                start,
                end: start + len,
                offset,
                file,
                share,
            })
        });
    }
    Ok(start)
}

/// Implements msync(2): shared mappings are written back before every
/// system call that reads files (see `task/filemap.rs`), so there is
/// nothing left to do but check the arguments.
fn msync(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (start, len, flags) = (a[0], a[1], a[2]);
    if !start.is_multiple_of(PAGE_SIZE)
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & MS_ASYNC != 0 && flags & MS_SYNC != 0
    {
        return Err(Errno::EINVAL.into());
    }
    let end = start.checked_add(page_align_up(len)).ok_or(Errno::ENOMEM)?;
    let mapped = t.mem(|m| {
        (start..end)
            .step_by(PAGE_SIZE as usize)
            .all(|p| m.region(p).is_some())
    });
    if mapped {
        Ok(0)
    } else {
        Err(Errno::ENOMEM.into())
    }
}

/// For system calls that change file data other than through a mapping:
/// which argument holds the descriptor written, or `None` for a path.
pub(crate) fn writes_file_data(nr: u32) -> Option<Option<usize>> {
    match nr {
        // write, ftruncate, writev, pwrite64, sendfile, ftruncate64,
        // sendfile64, fallocate, pwritev, pwritev2.
        4 | 93 | 146 | 181 | 187 | 194 | 239 | 324 | 334 | 379 => Some(Some(0)),
        // splice, copy_file_range: the output descriptor comes third.
        313 | 377 => Some(Some(2)),
        // truncate, truncate64.
        92 | 193 => Some(None),
        _ => None,
    }
}

/// True for system calls before which shared file mappings publish their
/// writes, because the call may read file data or drop the mapping.
pub(crate) fn sees_file_data(nr: u32) -> bool {
    // read, execve, mmap, munmap, readv, msync, mremap, pread64, sendfile,
    // mmap2, sendfile64, splice, preadv, copy_file_range, execveat, preadv2.
    matches!(
        nr,
        3 | 11 | 90 | 91 | 145 | 144 | 163 | 180 | 187 | 192 | 239 | 313 | 333 | 377 | 358 | 378
    )
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
/// `MREMAP_MAYMOVE` (to a given address with `MREMAP_FIXED`). A moved
/// file-backed mapping keeps its file; the part a file mapping grows by is
/// anonymous, and a shared anonymous range that is resized stops being
/// shared. `MREMAP_DONTUNMAP` is not supported (`EINVAL`, logged).
fn mremap(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (old, flags, target) = (a[0], a[3], a[4]);
    if flags & MREMAP_DONTUNMAP != 0 {
        k.log_once_in(
            "feature",
            163,
            &format!(
                "mremap with MREMAP_DONTUNMAP is not supported yet (pid {})",
                t.pid
            ),
        );
    }
    let fixed = flags & MREMAP_FIXED != 0;
    if !old.is_multiple_of(PAGE_SIZE)
        || a[2] == 0
        || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0
        || fixed && (flags & MREMAP_MAYMOVE == 0 || !target.is_multiple_of(PAGE_SIZE))
    {
        return Err(Errno::EINVAL.into());
    }
    let (old_len, new_len) = (page_align_up(a[1]), page_align_up(a[2]));
    let old_end = old.checked_add(old_len).ok_or(Errno::EINVAL)?;
    if fixed {
        let end = target.checked_add(new_len).filter(|&e| e <= STACK_TOP);
        let end = end.ok_or(Errno::EINVAL)?;
        if target < old_end && old < end {
            return Err(Errno::EINVAL.into());
        }
    }
    let new = t.mem(|m| {
        // The old range must lie in one mapping (which also bounds the copy).
        let region = m.region(old).cloned().ok_or(Errno::EFAULT)?;
        if old_end > region.end {
            return Err(Errno::EFAULT);
        }
        if !fixed && new_len <= old_len {
            if new_len < old_len {
                m.unmap(old + new_len, old_len - new_len).map_err(map_err)?;
            }
            return Ok(old);
        }
        let grow = new_len.saturating_sub(old_len);
        let room = old_end
            .checked_add(grow)
            .is_some_and(|e| e <= STACK_TOP && m.is_free(old_end, grow));
        if !fixed && room {
            m.map_fixed(old_end, grow, region.prot, &region.name)
                .map_err(map_err)?;
            return Ok(old);
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::ENOMEM);
        }
        let new = if fixed {
            m.map_fixed(target, new_len, region.prot, &region.name)
                .map_err(map_err)?;
            target
        } else {
            m.map_anywhere(new_len, region.prot, &region.name)
                .map_err(map_err)?
        };
        let mut bytes = vec![0u8; old_len.min(new_len) as usize];
        let copied = m
            .read_bytes(old, &mut bytes)
            .and_then(|()| m.poke(new, &bytes));
        if copied.is_err() {
            let _ = m.unmap(new, new_len);
            return Err(Errno::EFAULT);
        }
        m.unmap(old, old_len).map_err(map_err)?;
        Ok(new)
    })?;
    t.mem_mm(|mm| {
        mm.shared.retain(|r| !r.overlaps(old, old_len));
        let moved = filemap::take(&mut mm.file_maps, old, old_end);
        if fixed {
            filemap::cut(&mut mm.file_maps, new, new + new_len);
        }
        for r in moved {
            if let Some(r) = r.moved(old, new, new + new_len.min(old_len)) {
                mm.file_maps.push(r);
            }
        }
    });
    Ok(new)
}

//! Copying between guest memory and the kernel. Every failure is `EFAULT`.

use tabvm_mem::AddressSpace;

use crate::abi::errno::Errno;

/// Longest path a system call accepts, including the NUL (`PATH_MAX`).
pub const PATH_MAX: usize = 4096;

pub fn read_bytes(mem: &mut AddressSpace, addr: u32, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0; len];
    mem.read_bytes(addr, &mut buf).map_err(|_| Errno::EFAULT)?;
    Ok(buf)
}

pub fn write_bytes(mem: &mut AddressSpace, addr: u32, bytes: &[u8]) -> Result<(), Errno> {
    mem.write_bytes(addr, bytes).map_err(|_| Errno::EFAULT)
}

/// The pages `[addr, addr+len)` spans, as `(start, length)` pieces.
fn pieces(addr: u32, len: usize) -> impl Iterator<Item = (u32, usize)> {
    let page = tabvm_mem::PAGE_SIZE as usize;
    let mut done = 0;
    std::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let at = addr.wrapping_add(done as u32);
        let n = (page - at as usize % page).min(len - done);
        done += n;
        Some((at, n))
    })
}

/// Reads as much of `[addr, addr+len)` as is readable from its start, like
/// Linux's `copy_from_user` stopping at the first bad page: a partial
/// `write` sends what came before it.
pub fn read_prefix(mem: &mut AddressSpace, addr: u32, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (at, n) in pieces(addr, len) {
        let start = out.len();
        out.resize(start + n, 0);
        if mem.read_bytes(at, &mut out[start..]).is_err() {
            out.truncate(start);
            break;
        }
    }
    out
}

/// How many bytes from `addr` (at most `len`) could be written: a `read`
/// into a partly bad buffer transfers that much, as Linux's does. Probes one
/// byte per page by writing back what is there, so contents do not change.
pub fn writable_prefix(mem: &mut AddressSpace, addr: u32, len: usize) -> usize {
    let mut ok = 0;
    for (at, n) in pieces(addr, len) {
        if mem.read_u8(at).and_then(|b| mem.write_u8(at, b)).is_err() {
            break;
        }
        ok += n;
    }
    ok
}

pub fn read_u32(mem: &mut AddressSpace, addr: u32) -> Result<u32, Errno> {
    mem.read_u32(addr).map_err(|_| Errno::EFAULT)
}

pub fn write_u32(mem: &mut AddressSpace, addr: u32, v: u32) -> Result<(), Errno> {
    mem.write_u32(addr, v).map_err(|_| Errno::EFAULT)
}

/// Reads a NUL-terminated path: `ENAMETOOLONG` past `PATH_MAX`, `ENOENT` if empty.
pub fn read_path(mem: &mut AddressSpace, addr: u32) -> Result<Vec<u8>, Errno> {
    match mem.read_cstr(addr, PATH_MAX).map_err(|_| Errno::EFAULT)? {
        None => Err(Errno::ENAMETOOLONG),
        Some(p) if p.is_empty() => Err(Errno::ENOENT),
        Some(p) => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabvm_mem::Prot;

    #[test]
    fn prefixes_stop_at_the_first_bad_page() {
        let mut m = AddressSpace::new();
        m.map_fixed(0x1000, 0x2000, Prot::READ | Prot::WRITE, "")
            .unwrap();
        m.protect(0x2000, 0x1000, Prot::READ).unwrap();
        assert_eq!(read_prefix(&mut m, 0x2ff0, 0x20).len(), 0x10);
        assert_eq!(read_prefix(&mut m, 0x3000, 4).len(), 0);
        assert_eq!(writable_prefix(&mut m, 0x1ff0, 0x100), 0x10);
        assert_eq!(writable_prefix(&mut m, 0x1000, 0x10), 0x10);
        assert_eq!(writable_prefix(&mut m, 0x2000, 0x10), 0);
        assert_eq!(writable_prefix(&mut m, 0xffff_fff0, 0x100), 0);
    }
}

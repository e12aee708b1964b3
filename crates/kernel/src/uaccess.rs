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

//! A minimal read-only `/sys`: the CPU topology files glibc (`get_nprocs`,
//! `get_nprocs_conf`) and Python (`os.cpu_count`) read, describing the one
//! CPU this machine has. Mounted over any root, like `/proc`.

use super::{DirEntry, FileSystem, FileType, Ino, Stat, StatFs, Timespec};
use crate::abi::errno::Errno;

pub(crate) const SYSFS_MAGIC: u32 = 0x6265_6572;

/// A node: inode, parent directory, name, and contents (`None` for a
/// directory).
type Node = (Ino, Ino, &'static [u8], Option<&'static str>);

/// The tree.
const NODES: [Node; 11] = [
    (1, 1, b"", None),
    (2, 1, b"devices", None),
    (3, 2, b"system", None),
    (4, 3, b"cpu", None),
    (5, 4, b"online", Some("0\n")),
    (6, 4, b"possible", Some("0\n")),
    (7, 4, b"present", Some("0\n")),
    (8, 4, b"kernel_max", Some("0\n")),
    (9, 4, b"cpu0", None),
    (10, 9, b"online", Some("1\n")),
    (11, 1, b"kernel", None),
];

/// The kernel-provided `/sys`.
#[derive(Default)]
pub(crate) struct SysFs {
    boot: Option<Timespec>,
}

fn node(ino: Ino) -> Result<&'static Node, Errno> {
    NODES.iter().find(|n| n.0 == ino).ok_or(Errno::ENOENT)
}

impl FileSystem for SysFs {
    fn root(&self) -> Ino {
        1
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        let (ino, parent, _, contents) = *node(dir)?;
        if contents.is_some() {
            return Err(Errno::ENOTDIR);
        }
        if name == b".." {
            return Ok(parent);
        }
        NODES
            .iter()
            .find(|n| n.1 == ino && n.0 != ino && n.2 == name)
            .map(|n| n.0)
            .ok_or(Errno::ENOENT)
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let (mode, nlink, size) = match node(ino)?.3 {
            None => (0o40755, 2, 0),
            // Attribute files report a page, as Linux's sysfs does.
            Some(_) => (0o100444, 1, 4096),
        };
        let t = self.boot.unwrap_or_default();
        Ok(Stat {
            ino,
            mode,
            nlink,
            size,
            blksize: 4096,
            atime: t,
            mtime: t,
            ctime: t,
            ..Stat::default()
        })
    }

    fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let data = node(ino)?.3.ok_or(Errno::EISDIR)?.as_bytes();
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        if node(dir)?.3.is_some() {
            return Err(Errno::ENOTDIR);
        }
        Ok(NODES
            .iter()
            .filter(|n| n.1 == dir && n.0 != dir)
            .map(|n| DirEntry {
                ino: n.0,
                kind: if n.3.is_some() {
                    FileType::Regular
                } else {
                    FileType::Directory
                },
                name: n.2.to_vec(),
            })
            .collect())
    }

    fn readlink(&mut self, _ino: Ino) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }

    fn tick(&mut self, now: Timespec) {
        self.boot.get_or_insert(now);
    }

    fn statfs(&mut self) -> StatFs {
        StatFs {
            magic: SYSFS_MAGIC,
            bsize: 4096,
            namelen: 255,
            ..StatFs::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_files_describe_one_cpu() {
        let mut fs = SysFs::default();
        let mut at = fs.root();
        for name in ["devices", "system", "cpu"] {
            at = fs.lookup(at, name.as_bytes()).unwrap();
        }
        let online = fs.lookup(at, b"online").unwrap();
        let mut buf = [0; 16];
        assert_eq!(fs.read(online, 0, &mut buf), Ok(2));
        assert_eq!(&buf[..2], b"0\n");
        assert_eq!(fs.stat(online).unwrap().size, 4096);
        let names: Vec<_> = fs
            .readdir(at)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(names.contains(&b"cpu0".to_vec()) && !names.contains(&b"cpu1".to_vec()));
        assert_eq!(
            fs.lookup(at, b"..").unwrap(),
            fs.lookup(1, b"devices")
                .and_then(|d| fs.lookup(d, b"system"))
                .unwrap()
        );
        assert_eq!(fs.lookup(online, b"x"), Err(Errno::ENOTDIR));
        assert_eq!(fs.read(at, 0, &mut buf), Err(Errno::EISDIR));
        assert!(fs.stat(99).is_err());
    }
}

//! `image ls` and `image cat`: read an image's file system without booting.

use std::io::Write;
use std::path::Path;

use tabvm_ext2::FileType;

use super::{mount, open_base, resolve};

pub fn ls(image: &Path, path: &str) -> Result<(), String> {
    let mut fs = mount(open_base(image)?, true)?;
    let dir = resolve(&mut fs, path)?;
    let entries = fs.readdir(dir).map_err(|e| format!("{path}: {e}"))?;
    let mut out = std::io::stdout().lock();
    for e in entries {
        let st = fs.stat(e.ino).map_err(|err| format!("{path}: {err}"))?;
        let kind = match e.kind {
            FileType::Regular => '-',
            FileType::Directory => 'd',
            FileType::Symlink => 'l',
            FileType::CharDev => 'c',
            FileType::BlockDev => 'b',
            FileType::Fifo => 'p',
            FileType::Socket => 's',
        };
        let name = String::from_utf8_lossy(&e.name);
        let _ = writeln!(
            out,
            "{kind}{:04o} {:>5} {:>5} {:>10} {name}",
            st.mode & 0o7777,
            st.uid,
            st.gid,
            st.size
        );
    }
    Ok(())
}

pub fn cat(image: &Path, path: &str) -> Result<(), String> {
    let mut fs = mount(open_base(image)?, true)?;
    let ino = resolve(&mut fs, path)?;
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0; 1 << 20];
    let mut offset = 0;
    loop {
        let n = fs
            .read(ino, offset, &mut buf)
            .map_err(|e| format!("{path}: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        out.write_all(&buf[..n])
            .map_err(|e| format!("writing {path} to stdout: {e}"))?;
        offset += n as u64;
    }
}

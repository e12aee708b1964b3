//! Loading a [`MemFs`] from a tar archive (ustar, GNU and pax), as the web
//! front end does with the root file system built at build time.
//!
//! An archive is a sequence of 512-byte headers, each followed by the
//! entry's data rounded up to 512 bytes, ended by zero blocks. Header fields
//! are NUL/space-padded octal numbers (GNU writes large ones in base 256 with
//! the top bit set). Long names come from a preceding GNU `L`/`K` entry or a
//! pax `x` record (`path=`, `linkpath=`). Ustar splits long names into
//! `prefix` + `name`.

use std::collections::HashMap;

use super::memfs::MemFs;
use super::{Creator, FileSystem, FileType, Ino, SetAttr, Timespec};
use crate::abi::errno::Errno;

const BLOCK: usize = 512;

/// One parsed header with the overrides of preceding long-name entries applied.
struct Header<'a> {
    path: Vec<u8>,
    link: Vec<u8>,
    typeflag: u8,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: i64,
    dev: (u32, u32),
    data: &'a [u8],
}

/// Reads an octal or base-256 number field.
fn number(field: &[u8], at: usize, what: &str) -> Result<u64, String> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v
                .checked_shl(8)
                .ok_or_else(|| format!("tar: {what} too large in header at byte {at}"))?
                | u64::from(b);
        }
        return Ok(v);
    }
    let text = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| b != 0 && b != b' ');
    let mut v: u64 = 0;
    for b in text {
        if !(b'0'..=b'7').contains(&b) {
            return Err(format!(
                "tar: bad octal digit in {what} of header at byte {at}"
            ));
        }
        v = v
            .checked_mul(8)
            .ok_or_else(|| format!("tar: {what} too large in header at byte {at}"))?
            + u64::from(b - b'0');
    }
    Ok(v)
}

/// A NUL-terminated string field.
fn string(field: &[u8]) -> &[u8] {
    field.split(|&b| b == 0).next().unwrap_or(&[])
}

/// A pax record: key and value.
type PaxRecord<'a> = (&'a [u8], &'a [u8]);

/// Reads pax `"len key=value\n"` records.
fn pax_records(mut data: &[u8], at: usize) -> Result<Vec<PaxRecord<'_>>, String> {
    let bad = || format!("tar: malformed pax header at byte {at}");
    let mut out = Vec::new();
    while !data.is_empty() {
        let space = data.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        if len <= space + 1 || len > data.len() {
            return Err(bad());
        }
        let record = &data[space + 1..len - 1];
        let eq = record.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        out.push((&record[..eq], &record[eq + 1..]));
        data = &data[len..];
    }
    Ok(out)
}

/// Splits an archive into headers.
fn headers(bytes: &[u8]) -> Result<Vec<Header<'_>>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    let (mut long_name, mut long_link): (Option<Vec<u8>>, Option<Vec<u8>>) = (None, None);
    while at + BLOCK <= bytes.len() {
        let h = &bytes[at..at + BLOCK];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let sum = number(&h[148..156], at, "checksum")?;
        let actual: u64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        if sum != actual {
            return Err(format!("tar: bad header checksum at byte {at}"));
        }
        let size = number(&h[124..136], at, "size")? as usize;
        let start = at + BLOCK;
        let data = bytes
            .get(start..start.saturating_add(size))
            .ok_or_else(|| format!("tar: entry at byte {at} runs past the end of the archive"))?;
        let typeflag = h[156];
        at = start + size.next_multiple_of(BLOCK);
        match typeflag {
            b'L' => long_name = Some(string(data).to_vec()),
            b'K' => long_link = Some(string(data).to_vec()),
            b'x' => {
                for (k, v) in pax_records(data, start - BLOCK)? {
                    match k {
                        b"path" => long_name = Some(v.to_vec()),
                        b"linkpath" => long_link = Some(v.to_vec()),
                        _ => {}
                    }
                }
            }
            b'g' => {}
            _ => {
                let ustar = &h[257..263] == b"ustar\0";
                let mut path = string(&h[0..100]).to_vec();
                if ustar && h[345] != 0 {
                    let mut p = string(&h[345..500]).to_vec();
                    p.push(b'/');
                    p.extend_from_slice(&path);
                    path = p;
                }
                let hdr_at = start - BLOCK;
                out.push(Header {
                    path: long_name.take().unwrap_or(path),
                    link: long_link
                        .take()
                        .unwrap_or_else(|| string(&h[157..257]).to_vec()),
                    typeflag,
                    mode: number(&h[100..108], hdr_at, "mode")? as u32,
                    uid: number(&h[108..116], hdr_at, "uid")? as u32,
                    gid: number(&h[116..124], hdr_at, "gid")? as u32,
                    mtime: number(&h[136..148], hdr_at, "mtime")? as i64,
                    dev: (
                        number(&h[329..337], hdr_at, "devmajor")? as u32,
                        number(&h[337..345], hdr_at, "devminor")? as u32,
                    ),
                    data,
                });
            }
        }
    }
    Ok(out)
}

/// Splits an archive path into components, refusing `..`.
fn components(path: &[u8]) -> Result<Vec<&[u8]>, String> {
    let parts: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect();
    if parts.contains(&&b".."[..]) {
        return Err(format!(
            "tar: entry {} leaves the archive root",
            String::from_utf8_lossy(path)
        ));
    }
    Ok(parts)
}

impl MemFs {
    /// Builds a file system from a tar archive: regular files, directories,
    /// symlinks, hard links, device nodes and fifos, with their modes,
    /// owners and modification times.
    pub fn from_tar(bytes: &[u8]) -> Result<MemFs, String> {
        let mut fs = MemFs::new();
        fs.set_attr(
            fs.root(),
            SetAttr {
                mode: Some(0o755),
                ..SetAttr::default()
            },
        )
        .map_err(|e| format!("tar: {e:?}"))?;
        // Directory times are set last: adding entries would change them.
        let mut dir_times = HashMap::new();
        for h in headers(bytes)? {
            let named = String::from_utf8_lossy(&h.path).into_owned();
            let fail = |e: Errno| format!("tar: cannot create {named}: error {}", e.0);
            let parts = components(&h.path)?;
            let who = Creator {
                uid: h.uid,
                gid: h.gid,
            };
            let mtime = Timespec {
                sec: h.mtime,
                nsec: 0,
            };
            let Some((name, dirs)) = parts.split_last() else {
                dir_times.insert(fs.root(), mtime);
                fs.set_attr(
                    fs.root(),
                    SetAttr {
                        mode: Some(h.mode),
                        uid: Some(h.uid),
                        gid: Some(h.gid),
                        ..SetAttr::default()
                    },
                )
                .map_err(fail)?;
                continue;
            };
            let mut dir = fs.root();
            for d in dirs {
                dir = match fs.lookup(dir, d) {
                    Ok(ino) => ino,
                    Err(_) => fs
                        .create(dir, d, FileType::Directory, 0o755, Creator::default())
                        .map_err(fail)?,
                };
            }
            if h.typeflag == b'5' {
                if let Ok(ino) = fs.lookup(dir, name) {
                    if fs.stat(ino).map_err(fail)?.is_dir() {
                        fs.set_attr(
                            ino,
                            SetAttr {
                                mode: Some(h.mode),
                                uid: Some(h.uid),
                                gid: Some(h.gid),
                                ..SetAttr::default()
                            },
                        )
                        .map_err(fail)?;
                        dir_times.insert(ino, mtime);
                        continue;
                    }
                }
            }
            // A later entry replaces an earlier one of the same name.
            if let Ok(old) = fs.lookup(dir, name) {
                if fs.stat(old).map_err(fail)?.is_dir() {
                    return Err(format!("tar: {named} replaces a directory"));
                }
                fs.unlink(dir, name).map_err(fail)?;
            }
            let ino: Ino = match h.typeflag {
                b'0' | 0 | b'7' => {
                    let ino = fs
                        .create(dir, name, FileType::Regular, h.mode, who)
                        .map_err(fail)?;
                    fs.write(ino, 0, h.data).map_err(fail)?;
                    ino
                }
                b'5' => {
                    let ino = fs
                        .create(dir, name, FileType::Directory, h.mode, who)
                        .map_err(fail)?;
                    dir_times.insert(ino, mtime);
                    continue;
                }
                b'2' => fs.symlink(dir, name, &h.link, who).map_err(fail)?,
                b'1' => {
                    let mut target = fs.root();
                    for c in components(&h.link)? {
                        target = fs.lookup(target, c).map_err(|_| {
                            format!(
                                "tar: hard link {named} to missing {}",
                                String::from_utf8_lossy(&h.link)
                            )
                        })?;
                    }
                    fs.link(target, dir, name).map_err(fail)?;
                    continue;
                }
                b'3' => fs
                    .mknod(dir, name, FileType::CharDev, h.mode, h.dev, who)
                    .map_err(fail)?,
                b'4' => fs
                    .mknod(dir, name, FileType::BlockDev, h.mode, h.dev, who)
                    .map_err(fail)?,
                b'6' => fs
                    .create(dir, name, FileType::Fifo, h.mode, who)
                    .map_err(fail)?,
                t => {
                    return Err(format!(
                        "tar: entry {named} has unsupported type {:?}",
                        char::from(t)
                    ))
                }
            };
            fs.set_attr(
                ino,
                SetAttr {
                    atime: Some(mtime),
                    mtime: Some(mtime),
                    ..SetAttr::default()
                },
            )
            .map_err(fail)?;
        }
        for (ino, t) in dir_times {
            fs.set_attr(
                ino,
                SetAttr {
                    atime: Some(t),
                    mtime: Some(t),
                    ..SetAttr::default()
                },
            )
            .map_err(|e| format!("tar: directory times: error {}", e.0))?;
        }
        Ok(fs)
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    fn lookup(fs: &mut MemFs, path: &str) -> Ino {
        let mut ino = fs.root();
        for c in path.split('/') {
            ino = fs
                .lookup(ino, c.as_bytes())
                .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        }
        ino
    }

    fn read_all(fs: &mut MemFs, ino: Ino) -> Vec<u8> {
        let mut buf = vec![0; fs.stat(ino).unwrap().size as usize];
        fs.read(ino, 0, &mut buf).unwrap();
        buf
    }

    /// Builds a tree with the host's `tar` (GNU format, long names, links).
    #[test]
    fn loads_archive_made_by_tar() {
        // Unit tests have no CARGO_TARGET_TMPDIR (integration tests only).
        let base = std::env::temp_dir().join(format!("tabvm-vfs-tar-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let src = base.join("src");
        let long = "d".repeat(120);
        std::fs::create_dir_all(src.join("bin").join(&long)).unwrap();
        std::fs::write(src.join("bin/busybox"), b"\x7fELF...").unwrap();
        std::fs::write(src.join("bin").join(&long).join("f"), vec![7u8; 1000]).unwrap();
        std::os::unix::fs::symlink("busybox", src.join("bin/sh")).unwrap();
        std::fs::hard_link(src.join("bin/busybox"), src.join("bin/ls")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            src.join("bin/busybox"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let tar = base.join("root.tar");
        for format in ["gnu", "posix"] {
            let ok = Command::new("tar")
                .args(["--format", format, "--mtime=@1000000", "-cf"])
                .arg(&tar)
                .arg("-C")
                .arg(&src)
                .arg(".")
                .status()
                .unwrap();
            assert!(ok.success());
            let mut fs = MemFs::from_tar(&std::fs::read(&tar).unwrap()).unwrap();
            let bb = lookup(&mut fs, "bin/busybox");
            assert_eq!(read_all(&mut fs, bb), b"\x7fELF...");
            let st = fs.stat(bb).unwrap();
            assert_eq!((st.mode, st.nlink, st.mtime.sec), (0o100755, 2, 1_000_000));
            assert_eq!(lookup(&mut fs, "bin/ls"), bb);
            let sh = lookup(&mut fs, "bin/sh");
            assert_eq!(fs.readlink(sh).unwrap(), b"busybox");
            let f = lookup(&mut fs, &format!("bin/{long}/f"));
            assert_eq!(read_all(&mut fs, f), vec![7u8; 1000]);
            let bin = lookup(&mut fs, "bin");
            assert_eq!(fs.stat(bin).unwrap().mtime.sec, 1_000_000);
        }
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn rejects_bad_archives() {
        let mut block = [0u8; 1024];
        block[..5].copy_from_slice(b"a.txt");
        block[148..156].copy_from_slice(b"0000000\0");
        assert!(MemFs::from_tar(&block)
            .err()
            .is_some_and(|e| e.contains("checksum")));
        assert!(MemFs::from_tar(&[]).is_ok());
        assert!(components(b"a/../../etc").is_err());
    }
}

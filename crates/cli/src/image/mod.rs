//! `tabvm image`: build, chunk, verify, inspect and merge ext2 disk images.
//!
//! An *image* given to a command is either a raw ext2 image file or a
//! chunked image directory (`manifest.json` plus chunk files named by their
//! SHA-256 of their uncompressed bytes, as `image chunk` writes and the
//! browser streams). Chunk files are gzip-compressed by default: the stored
//! chunks of the Debian test root shrink threefold (546 MiB to 175 MiB),
//! which is what a cold boot over the network pays for.

mod build;
mod chunk;
mod inspect;
mod merge;
pub mod remote;
pub mod root;
mod verify;

use std::path::{Path, PathBuf};

use tabvm_disk::{BlockDevice, ChunkHash, Compression};
use tabvm_ext2::{Error, Ext2, MountOptions};
use tabvm_host::{ChunkDirDevice, FileDevice, MANIFEST_NAME};

pub const IMAGE_HELP: &str = "\
Usage: tabvm image COMMAND ARGS...

Commands:
  build --from-dir DIR --size N OUT   make an ext2 image of DIR's tree
                                      (with mke2fs -t ext2 -d); N in bytes
                                      or with a suffix K, M, G (powers of 2)
  chunk [--compression gzip|none] IMAGE OUTDIR
                                      cut an image file into 128 KiB chunks
                                      named by SHA-256 plus manifest.json;
                                      all-zero chunks are not stored; chunk
                                      files are gzip files unless 'none'
  verify OUTDIR                       check that every chunk of a chunked
                                      image is present and matches its hash
  ls IMAGE PATH                       list a directory of an image
  cat IMAGE PATH                      print a file of an image
  merge IMAGE OVERLAY OUT             write IMAGE with the changes of an
                                      overlay file (from 'tabvm run --image')
                                      applied as a new raw image file

IMAGE is an ext2 image file or a chunked image directory. Nothing boots:
ls and cat read the file system directly (symlinks in PATH are not
followed).

Exit status: 0 on success, 1 if verify finds a problem, 125 on any error.
";

/// Runs `tabvm image ARGS`; `Err` is the message for stderr.
pub fn main(args: &[String]) -> Result<i32, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["-h" | "--help"] | [_, "-h" | "--help", ..] => {
            print!("{IMAGE_HELP}");
            Ok(0)
        }
        ["build", rest @ ..] => build::main(rest).map(|()| 0),
        ["chunk", rest @ ..] => {
            let (compression, paths) = match rest {
                ["--compression", codec, paths @ ..] => (*codec, paths),
                _ => ("gzip", rest),
            };
            let compression = Compression::from_name(compression).ok_or_else(|| {
                format!("image chunk: --compression {compression}: expected gzip or none")
            })?;
            match paths {
                [image, out] => {
                    chunk::main(Path::new(image), Path::new(out), compression).map(|()| 0)
                }
                _ => Err("image chunk: wrong arguments (see 'tabvm image --help')".into()),
            }
        }
        ["verify", dir] => verify::main(Path::new(dir)),
        ["ls", image, path] => inspect::ls(Path::new(image), path).map(|()| 0),
        ["cat", image, path] => inspect::cat(Path::new(image), path).map(|()| 0),
        ["merge", image, overlay, out] => {
            merge::main(Path::new(image), Path::new(overlay), Path::new(out)).map(|()| 0)
        }
        [cmd @ ("verify" | "ls" | "cat" | "merge"), ..] => Err(format!(
            "image {cmd}: wrong arguments (see 'tabvm image --help')"
        )),
        [other, ..] => Err(format!(
            "unknown image command '{other}' (see 'tabvm image --help')"
        )),
    }
}

/// Opens an image read-only: a chunked image directory or an image file.
pub fn open_base(path: &Path) -> Result<Box<dyn BlockDevice>, String> {
    if path.is_dir() {
        Ok(Box::new(ChunkDirDevice::open(path)?))
    } else {
        let dev = FileDevice::open(path, false).map_err(|e| e.to_string())?;
        Ok(Box::new(dev))
    }
}

/// A name for an image that stays the same across runs: a chunked image is
/// named by its manifest, an image file by its absolute path.
pub fn image_id(path: &Path) -> Result<String, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let key = if abs.is_dir() {
        let manifest = abs.join(MANIFEST_NAME);
        std::fs::read(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?
    } else {
        abs.as_os_str().as_encoded_bytes().to_vec()
    };
    Ok(ChunkHash::of(&key).to_string()[..16].to_owned())
}

/// Mounts ext2 on a device that never answers `Pending` (local files).
pub fn mount<D: BlockDevice>(dev: D, read_only: bool) -> Result<Ext2<D>, String> {
    Ext2::mount(dev, MountOptions { read_only }).map_err(|e| e.error.to_string())
}

/// Finds `path` (absolute, symlinks not followed) in a mounted volume.
pub fn resolve<D: BlockDevice>(fs: &mut Ext2<D>, path: &str) -> Result<u32, String> {
    let mut ino = fs.root();
    for name in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
        ino = fs.lookup(ino, name.as_bytes()).map_err(|e| match e {
            Error::NotFound => format!("{path}: no such file or directory"),
            Error::NotDir => format!("{path}: not a directory"),
            other => format!("{path}: {other}"),
        })?;
    }
    Ok(ino)
}

/// Parses a size: bytes, or a number with K, M, G or T (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("size '{text}': unknown suffix '{c}'")),
            };
            (&text[..i], shift)
        }
        _ => (text, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("size '{text}': want a positive number like 4096, 64M or 2G"))
}

/// tabvm's folder in the user's cache: `$XDG_CACHE_HOME/tabvm` or
/// `~/.cache/tabvm`.
pub fn cache_dir() -> Result<PathBuf, String> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("tabvm"))
        .ok_or_else(|| "neither XDG_CACHE_HOME nor HOME is set: give --overlay".into())
}

/// The default overlay of an image: `~/.cache/tabvm/overlays/<id>.overlay`.
pub fn default_overlay(image: &Path) -> Result<PathBuf, String> {
    overlay_path(&image_id(image)?)
}

/// The overlay file for the image named `id` under the user's cache.
pub fn overlay_path(id: &str) -> Result<PathBuf, String> {
    let dir = cache_dir()?.join("overlays");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.join(format!("{id}.overlay")))
}

/// `--reset`: removes an overlay file if there is one.
pub fn reset_overlay(overlay: &Path) -> Result<(), String> {
    match std::fs::remove_file(overlay) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("--reset: {}: {e}", overlay.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("2X").unwrap_err().contains("suffix"));
        assert!(parse_size("0").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}

//! `image build`: an ext2 image of a host directory, made by `mke2fs -d`
//! (e2fsprogs knows every corner of the format; we only drive it).

use std::path::Path;
use std::process::Command;

use super::parse_size;

pub fn main(args: &[&str]) -> Result<(), String> {
    let (mut from, mut size, mut out) = (None, None, None);
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        match arg {
            "--from-dir" => from = rest.next().copied(),
            "--size" => size = rest.next().copied(),
            a if a.starts_with('-') => return Err(format!("image build: unknown option '{a}'")),
            a if out.is_none() => out = Some(a),
            a => return Err(format!("image build: unexpected argument '{a}'")),
        }
    }
    let usage = "usage: tabvm image build --from-dir DIR --size N OUT";
    let (Some(from), Some(size), Some(out)) = (from, size, out) else {
        return Err(usage.into());
    };
    let bytes = parse_size(size)?;
    if !Path::new(from).is_dir() {
        return Err(format!("image build: '{from}' is not a directory"));
    }
    // With -b, a bare number would count blocks: say KiB explicitly.
    let kib = bytes / 1024;
    let result = Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext2", "-b", "4096", "-d", from, out])
        .arg(format!("{kib}k"))
        .output()
        .map_err(|e| format!("image build: cannot run mke2fs (install e2fsprogs): {e}"))?;
    if !result.status.success() {
        // A half-written image is no image.
        let _ = std::fs::remove_file(out);
        return Err(format!(
            "image build: mke2fs failed: {}",
            String::from_utf8_lossy(&result.stderr).trim()
        ));
    }
    Ok(())
}

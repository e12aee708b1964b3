//! Replacing a process's program: execve(2), and the first program of a VM.
//!
//! The new program is read and loaded into a fresh address space before the
//! old one is touched, so a failed `execve` returns to the caller intact.
//! A file starting with `#!` runs its interpreter, as Linux's binfmt_script
//! does: `argv` becomes `interp [arg] path argv[1..]`.

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_cpu::{Cpu, Reg};
use tabvm_mem::AddressSpace;

use super::{Mm, Task};
use crate::abi::errno::Errno;
use crate::loader::elf::{ElfError, Image};
use crate::loader::{self, Creds, Entry, StackArgs};
use crate::sys::SysResult;
use crate::vfs::FsContext;
use crate::{uaccess, Kernel};

/// How many `#!` interpreters may chain (Linux allows 4 levels too).
const MAX_INTERP_DEPTH: usize = 4;
/// The `#!` line is read from the first 256 bytes (`BINPRM_BUF_SIZE`).
const SHEBANG_MAX: usize = 256;
/// Longest argument or environment string, and most of them.
const MAX_ARG_STRLEN: usize = 32 * 4096;
const MAX_ARG_STRINGS: usize = 0x7fff;

/// Why a program could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExecError {
    /// Reading the file (or an interpreter) failed, or the stack overflowed.
    Errno(Errno),
    /// The file is not an executable we run.
    Elf(ElfError),
    /// Its program interpreter (`PT_INTERP`) could not be read
    /// (`ENOENT` and the like), or is not one (`ELIBBAD`).
    Interp(Vec<u8>, Errno),
}

impl ExecError {
    /// The errno `execve` fails with.
    pub(crate) fn errno(&self) -> Errno {
        match self {
            ExecError::Errno(e) | ExecError::Interp(_, e) => *e,
            ExecError::Elf(_) => Errno::ENOEXEC,
        }
    }
}

/// A program loaded into a fresh address space, not yet installed.
pub(crate) struct Loaded {
    mm: Mm,
    entry: Entry,
    path: Vec<u8>,
    /// argv and envp, NUL-terminated strings.
    cmdline: Vec<u8>,
    environ: Vec<u8>,
    /// The command name: the base name of the path exec'd (a script's,
    /// a symlink's), as Linux names a process.
    comm: Vec<u8>,
}

/// Reads `path` (relative to `fs`), follows `#!` lines and loads the ELF
/// program with its stack.
pub(crate) fn load_program(
    k: &mut Kernel,
    fs: &FsContext,
    path: &[u8],
    mut argv: Vec<Vec<u8>>,
    envp: &[Vec<u8>],
    creds: Creds,
) -> Result<Loaded, ExecError> {
    let mut file_path = path.to_vec();
    for _ in 0..=MAX_INTERP_DEPTH {
        let file = k
            .vfs
            .read_executable(fs, &file_path)
            .map_err(ExecError::Errno)?;
        if let Some((interp, arg)) = shebang(&file) {
            let mut new_argv = vec![interp.clone()];
            new_argv.extend(arg);
            new_argv.push(file_path);
            new_argv.extend(argv.into_iter().skip(1));
            argv = new_argv;
            file_path = interp;
            continue;
        }
        let image = Image::parse(&file).map_err(ExecError::Elf)?;
        let interp_file = match &image.interp {
            Some(p) => Some(
                k.vfs
                    .read_executable(fs, p)
                    .map_err(|e| ExecError::Interp(p.clone(), e))?,
            ),
            None => None,
        };
        // Linux refuses an interpreter that is not a plain ELF program.
        let interp_image = match &interp_file {
            Some(f) => match Image::parse(f) {
                Ok(i) if i.interp.is_none() => Some(i),
                _ => {
                    let p = image.interp.clone().unwrap_or_default();
                    return Err(ExecError::Interp(p, Errno::ELIBBAD));
                }
            },
            None => None,
        };
        // Mappings are named by absolute path, as /proc/<pid>/maps shows.
        let cwd = k.vfs.cwd(fs);
        let absolute = |p: &[u8]| {
            let p = k.vfs.canonical(cwd, p).unwrap_or_else(|| p.to_vec());
            String::from_utf8_lossy(&p).into_owned()
        };
        let name = absolute(&file_path);
        let interp_name = image.interp.as_deref().map(absolute).unwrap_or_default();
        let interp = interp_image
            .as_ref()
            .zip(interp_file.as_deref())
            .map(|(image, file)| loader::Interp {
                image,
                file,
                name: &interp_name,
            });
        let mut random = [0u8; 16];
        k.host.fill_random(&mut random);
        let mut space = AddressSpace::new();
        let args = StackArgs {
            argv: &argv,
            envp,
            execfn: path,
            random,
            auxv: Vec::new(),
        };
        let entry = loader::load(&image, &file, &name, interp, &mut space, args, creds)
            .map_err(ExecError::Errno)?;
        let nul_joined = |v: &[Vec<u8>]| -> Vec<u8> {
            v.iter()
                .flat_map(|a| a.iter().copied().chain([0]))
                .collect()
        };
        let (cmdline, environ) = (nul_joined(&argv), nul_joined(envp));
        return Ok(Loaded {
            mm: Mm {
                space,
                ..Mm::default()
            },
            entry,
            path: file_path,
            cmdline,
            environ,
            comm: super::comm_of(path),
        });
    }
    Err(ExecError::Errno(Errno::ELOOP))
}

/// The interpreter and optional argument of a `#!` line.
fn shebang(file: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let rest = file.strip_prefix(b"#!")?;
    let line = &rest[..rest.len().min(SHEBANG_MAX - 2)];
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let line = trim(line, is_blank);
    let end = line.iter().position(is_blank).unwrap_or(line.len());
    let (interp, arg) = line.split_at(end);
    if interp.is_empty() {
        return None;
    }
    let arg = trim(arg, is_blank);
    Some((interp.to_vec(), (!arg.is_empty()).then(|| arg.to_vec())))
}

fn trim(mut s: &[u8], blank: impl Fn(&u8) -> bool) -> &[u8] {
    while s.first().is_some_and(&blank) {
        s = &s[1..];
    }
    while s.last().is_some_and(&blank) {
        s = &s[..s.len() - 1];
    }
    s
}

/// Reads a NULL-terminated array of string pointers (argv or envp).
fn read_strings(m: &mut AddressSpace, mut at: u32) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if at == 0 {
        return Ok(out);
    }
    loop {
        let p = uaccess::read_u32(m, at)?;
        if p == 0 {
            return Ok(out);
        }
        if out.len() == MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let s = m
            .read_cstr(p, MAX_ARG_STRLEN)
            .map_err(|_| Errno::EFAULT)?
            .ok_or(Errno::E2BIG)?;
        out.push(s);
        at = at.wrapping_add(4);
    }
}

impl Kernel {
    /// Implements execve(2): the new program replaces the caller's on
    /// success; ELF problems are `ENOEXEC`.
    pub(crate) fn execve(&mut self, t: &mut Task, path: u32, argv: u32, envp: u32) -> SysResult {
        let (path, argv, envp) = t.mem(|m| {
            Ok::<_, Errno>((
                uaccess::read_path(m, path)?,
                read_strings(m, argv)?,
                read_strings(m, envp)?,
            ))
        })?;
        let fs = t.fs.borrow().clone();
        if crate::vfs::procfs::may_reach(&self.vfs, self.vfs.cwd(&fs), &path) {
            crate::vfs::procfs::refresh(self, t);
        }
        let creds = Creds {
            uid: t.creds.user.real,
            gid: t.creds.group.real,
        };
        let loaded = load_program(self, &fs, &path, argv, &envp, creds).map_err(|e| e.errno())?;
        self.install(t, loaded);
        Ok(0)
    }

    /// Makes `loaded` the program of `t`: new memory and registers,
    /// close-on-exec descriptors closed, caught signals reset, a vfork
    /// parent released.
    pub(crate) fn install(&mut self, t: &mut Task, loaded: Loaded) {
        // Like Linux's de_thread: the other threads go, this one becomes the
        // leader.
        self.tasks.retain(|_, o| o.pid != t.pid);
        t.tid = t.pid;
        t.mm = Rc::new(RefCell::new(loaded.mm));
        let mut cpu = Cpu::new();
        cpu.eip = loaded.entry.eip;
        cpu.set_reg(Reg::Esp, loaded.entry.esp);
        t.cpu = cpu;
        if Rc::strong_count(&t.files) > 1 {
            let own = t.files.borrow().clone();
            t.files = Rc::new(RefCell::new(own));
        }
        if Rc::strong_count(&t.fs) > 1 {
            let own = t.fs.borrow().clone();
            t.fs = Rc::new(RefCell::new(own));
        }
        t.files.borrow_mut().close_on_exec();
        t.sig.reset_for_exec();
        t.clear_child_tid = 0;
        t.restart_deadline = None;
        if t.vfork_parent.take().is_some() {
            self.gen += 1;
        }
        // Absolute and with symlinks followed, as `/proc/<pid>/exe` shows
        // it; resolved now, since the path may itself be `/proc/self/exe`.
        let cwd = self.vfs.cwd(&t.fs.borrow());
        t.exe = self.vfs.canonical(cwd, &loaded.path).unwrap_or(loaded.path);
        t.cmdline = loaded.cmdline;
        t.environ = loaded.environ;
        t.comm = loaded.comm;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines() {
        assert_eq!(
            shebang(b"#!/bin/sh\necho"),
            Some((b"/bin/sh".to_vec(), None))
        );
        assert_eq!(
            shebang(b"#! /usr/bin/env  python3 \n"),
            Some((b"/usr/bin/env".to_vec(), Some(b"python3".to_vec())))
        );
        assert_eq!(
            shebang(b"#!/bin/awk -f -x\n"),
            Some((b"/bin/awk".to_vec(), Some(b"-f -x".to_vec())))
        );
        assert_eq!(shebang(b"#!\n"), None);
        assert_eq!(shebang(b"\x7fELF"), None);
    }
}

//! ELF32 executables: a byte view over the file ([`Header`], with field
//! offsets and bounds checks) and its meaning for the loader ([`Image`]).
//!
//! Parsing never panics and never trusts a length or offset from the file:
//! every problem is an [`ElfError`] naming what is wrong.

use crate::abi::elf::*;

/// Why a file cannot be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// Bad input: no ELF magic.
    NotElf,
    /// Limit: an ELFCLASS64 file.
    Class64,
    /// Limit: built for another machine (`e_machine`).
    Machine(u16),
    /// Bad input: a header or segment contradicts the file.
    Malformed(&'static str),
}

impl ElfError {
    /// The one-line message for a human, naming the file.
    pub fn message(&self, path: &str) -> String {
        match self {
            ElfError::NotElf => format!("{path}: not an ELF executable"),
            ElfError::Class64 => {
                format!(
                    "{path}: 64-bit ELF executables are not supported (tabvm runs i386 programs)"
                )
            }
            ElfError::Machine(m) => {
                let name = MACHINE_NAMES
                    .iter()
                    .find(|(n, _)| n == m)
                    .map_or_else(|| m.to_string(), |(_, s)| (*s).to_owned());
                format!("{path}: ELF for machine {name}, not i386")
            }
            ElfError::Malformed(what) => format!("{path}: malformed ELF executable: {what}"),
        }
    }
}

/// Field offsets of `Elf32_Ehdr`.
mod ehdr {
    pub const CLASS: usize = 4;
    pub const DATA: usize = 5;
    pub const TYPE: usize = 16;
    pub const MACHINE: usize = 18;
    pub const ENTRY: usize = 24;
    pub const PHOFF: usize = 28;
    pub const PHENTSIZE: usize = 42;
    pub const PHNUM: usize = 44;
}

/// Field offsets of `Elf32_Phdr`.
mod phdr {
    pub const TYPE: usize = 0;
    pub const OFFSET: usize = 4;
    pub const VADDR: usize = 8;
    pub const FILESZ: usize = 16;
    pub const MEMSZ: usize = 20;
    pub const FLAGS: usize = 24;
}

/// Most program headers we accept; real executables have about ten.
const MAX_PHNUM: usize = 128;

/// A read-only view of an ELF file's bytes.
#[derive(Clone, Copy)]
pub struct Header<'a> {
    bytes: &'a [u8],
}

impl<'a> Header<'a> {
    /// Checks the magic, class and length of the file header.
    pub fn new_checked(bytes: &'a [u8]) -> Result<Header<'a>, ElfError> {
        if bytes.len() < 4 || bytes[..4] != ELFMAG {
            return Err(ElfError::NotElf);
        }
        match bytes.get(ehdr::CLASS) {
            Some(&ELFCLASS32) => {}
            Some(&ELFCLASS64) => return Err(ElfError::Class64),
            _ => return Err(ElfError::Malformed("unknown ELF class")),
        }
        if bytes.len() < EHDR_SIZE {
            return Err(ElfError::Malformed("file header is truncated"));
        }
        Ok(Header { bytes })
    }

    fn u16_at(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.bytes[off], self.bytes[off + 1]])
    }

    /// A little-endian word; `None` past the end of the file.
    fn u32_at(&self, off: usize) -> Option<u32> {
        let b = self.bytes.get(off..off.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn little_endian(&self) -> bool {
        self.bytes[ehdr::DATA] == ELFDATA2LSB
    }
    pub fn machine(&self) -> u16 {
        let m = self.u16_at(ehdr::MACHINE);
        if self.little_endian() {
            m
        } else {
            m.swap_bytes()
        }
    }
    pub fn kind(&self) -> u16 {
        self.u16_at(ehdr::TYPE)
    }
    pub fn entry(&self) -> u32 {
        self.u32_at(ehdr::ENTRY).unwrap_or(0)
    }
    pub fn phoff(&self) -> u32 {
        self.u32_at(ehdr::PHOFF).unwrap_or(0)
    }
    pub fn phentsize(&self) -> u16 {
        self.u16_at(ehdr::PHENTSIZE)
    }
    pub fn phnum(&self) -> u16 {
        self.u16_at(ehdr::PHNUM)
    }
}

/// One program header, as the loader needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub kind: u32,
    pub offset: u32,
    pub vaddr: u32,
    pub filesz: u32,
    pub memsz: u32,
    pub flags: u32,
}

/// What an executable asks of the loader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// ET_DYN (a static PIE): every address is relative to a load bias.
    pub relocatable: bool,
    pub entry: u32,
    /// File offset of the program headers and their count (for AT_PHDR).
    pub phoff: u32,
    pub phnum: u32,
    /// PT_LOAD segments in file order.
    pub loads: Vec<Segment>,
    /// Address of the program headers from PT_PHDR, if present (unbiased).
    pub phdr_vaddr: Option<u32>,
    /// The program interpreter (dynamic loader) PT_INTERP names.
    pub interp: Option<Vec<u8>>,
}

impl Image {
    /// Parses and validates an i386 executable we can run.
    pub fn parse(bytes: &[u8]) -> Result<Image, ElfError> {
        let h = Header::new_checked(bytes)?;
        if h.machine() != EM_386 {
            return Err(ElfError::Machine(h.machine()));
        }
        if !h.little_endian() {
            return Err(ElfError::Malformed("big-endian i386 file"));
        }
        let relocatable = match h.kind() {
            ET_EXEC => false,
            ET_DYN => true,
            _ => return Err(ElfError::Malformed("not an executable (e_type)")),
        };
        let phnum = usize::from(h.phnum());
        if usize::from(h.phentsize()) != PHDR_SIZE {
            return Err(ElfError::Malformed("program header size is not 32"));
        }
        if phnum == 0 || phnum > MAX_PHNUM {
            return Err(ElfError::Malformed("bad program header count"));
        }
        let phoff = h.phoff() as usize;
        if phoff
            .checked_add(phnum * PHDR_SIZE)
            .is_none_or(|end| end > bytes.len())
        {
            return Err(ElfError::Malformed("program headers lie outside the file"));
        }
        let mut image = Image {
            relocatable,
            entry: h.entry(),
            phoff: h.phoff(),
            phnum: phnum as u32,
            loads: Vec::new(),
            phdr_vaddr: None,
            interp: None,
        };
        for i in 0..phnum {
            let at = phoff + i * PHDR_SIZE;
            let word = |off: usize| h.u32_at(at + off).unwrap_or(0);
            let seg = Segment {
                kind: word(phdr::TYPE),
                offset: word(phdr::OFFSET),
                vaddr: word(phdr::VADDR),
                filesz: word(phdr::FILESZ),
                memsz: word(phdr::MEMSZ),
                flags: word(phdr::FLAGS),
            };
            match seg.kind {
                PT_LOAD => image.loads.push(check_load(seg, bytes.len())?),
                PT_INTERP => image.interp = Some(interp_path(bytes, seg)?),
                PT_PHDR => image.phdr_vaddr = Some(seg.vaddr),
                _ => {}
            }
        }
        if image.loads.is_empty() {
            return Err(ElfError::Malformed("no loadable segment"));
        }
        Ok(image)
    }

    /// Where the program headers are in memory (unbiased): PT_PHDR, or the
    /// PT_LOAD segment whose file bytes contain them.
    pub fn phdr_addr(&self) -> u32 {
        self.phdr_vaddr.unwrap_or_else(|| {
            self.loads
                .iter()
                .find(|s| s.offset <= self.phoff && self.phoff - s.offset < s.filesz)
                .map_or(0, |s| s.vaddr + (self.phoff - s.offset))
        })
    }
}

fn check_load(seg: Segment, file_len: usize) -> Result<Segment, ElfError> {
    if seg.filesz > seg.memsz {
        return Err(ElfError::Malformed("segment file size exceeds memory size"));
    }
    if (seg.offset as usize)
        .checked_add(seg.filesz as usize)
        .is_none_or(|e| e > file_len)
    {
        return Err(ElfError::Malformed("segment lies outside the file"));
    }
    if seg
        .vaddr
        .checked_add(seg.memsz)
        .is_none_or(|e| e > super::STACK_TOP)
    {
        return Err(ElfError::Malformed("segment lies outside user memory"));
    }
    Ok(seg)
}

fn interp_path(bytes: &[u8], seg: Segment) -> Result<Vec<u8>, ElfError> {
    let start = seg.offset as usize;
    let raw = start
        .checked_add(seg.filesz as usize)
        .and_then(|end| bytes.get(start..end))
        .ok_or(ElfError::Malformed("PT_INTERP lies outside the file"))?;
    let path = raw.split(|&b| b == 0).next().unwrap_or_default();
    if path.is_empty() {
        return Err(ElfError::Malformed("PT_INTERP names no file"));
    }
    Ok(path.to_vec())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal i386 ET_EXEC: header, `phdrs`, then `body` at offset 0x1000.
    pub(crate) fn build(phdrs: &[Segment], body: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 0x1000];
        f[..4].copy_from_slice(&ELFMAG);
        f[4] = ELFCLASS32;
        f[5] = ELFDATA2LSB;
        f[6] = 1;
        f[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        f[18..20].copy_from_slice(&EM_386.to_le_bytes());
        f[24..28].copy_from_slice(&0x0804_9000u32.to_le_bytes());
        f[28..32].copy_from_slice(&52u32.to_le_bytes());
        f[42..44].copy_from_slice(&32u16.to_le_bytes());
        f[44..46].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        for (i, p) in phdrs.iter().enumerate() {
            let at = 52 + 32 * i;
            for (off, v) in [
                (0, p.kind),
                (4, p.offset),
                (8, p.vaddr),
                (16, p.filesz),
                (20, p.memsz),
                (24, p.flags),
            ] {
                f[at + off..at + off + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        f.extend_from_slice(body);
        f
    }

    pub(crate) fn text(filesz: u32, memsz: u32) -> Segment {
        Segment {
            kind: PT_LOAD,
            offset: 0,
            vaddr: 0x0804_8000,
            filesz,
            memsz,
            flags: PF_R | PF_X,
        }
    }

    #[test]
    fn parses_a_static_executable() {
        let file = build(&[text(0x1010, 0x1010)], &[0x90; 16]);
        let img = Image::parse(&file).unwrap();
        assert_eq!(img.entry, 0x0804_9000);
        assert_eq!(img.loads.len(), 1);
        assert_eq!(img.phdr_addr(), 0x0804_8034);
        assert!(!img.relocatable);
    }

    #[test]
    fn rejects_what_it_cannot_run() {
        assert_eq!(Image::parse(b"#!/bin/sh\n"), Err(ElfError::NotElf));
        assert_eq!(Image::parse(b""), Err(ElfError::NotElf));
        let mut f = build(&[text(0x1000, 0x1000)], &[]);
        f[4] = ELFCLASS64;
        assert_eq!(Image::parse(&f), Err(ElfError::Class64));
        let mut f = build(&[text(0x1000, 0x1000)], &[]);
        f[18] = 40;
        assert_eq!(Image::parse(&f), Err(ElfError::Machine(40)));
        assert_eq!(
            ElfError::Machine(40).message("/a"),
            "/a: ELF for machine ARM, not i386"
        );
        assert_eq!(
            ElfError::Machine(999).message("/a"),
            "/a: ELF for machine 999, not i386"
        );
        let interp = Segment {
            kind: PT_INTERP,
            offset: 0x1000,
            vaddr: 0,
            filesz: 19,
            memsz: 19,
            flags: PF_R,
        };
        let f = build(&[interp, text(0x1000, 0x1000)], b"/lib/ld-linux.so.2\0");
        assert_eq!(
            Image::parse(&f).unwrap().interp.as_deref(),
            Some(&b"/lib/ld-linux.so.2"[..])
        );
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        let good = build(&[text(0x1000, 0x2000)], &[]);
        // Truncations at every length never panic.
        for len in 0..good.len().min(200) {
            let _ = Image::parse(&good[..len]);
        }
        let mut f = good.clone();
        f[44] = 0xff; // phnum beyond the file
        assert!(matches!(Image::parse(&f), Err(ElfError::Malformed(_))));
        let f = build(&[text(0x2000, 0x1000)], &[]);
        assert!(matches!(Image::parse(&f), Err(ElfError::Malformed(_))));
        let f = build(&[text(0x5000, 0x5000)], &[]);
        assert_eq!(
            Image::parse(&f),
            Err(ElfError::Malformed("segment lies outside the file"))
        );
        let mut seg = text(0, 0x1000);
        seg.vaddr = 0xffff_f000;
        assert!(matches!(
            Image::parse(&build(&[seg], &[])),
            Err(ElfError::Malformed(_))
        ));
    }
}

//! The initial process stack of the i386 ELF ABI, as Linux builds it.
//!
//! From the top of the stack down: a zero word, the executable's name
//! (`AT_EXECFN`), the environment strings, the argument strings, the platform
//! string `i686`, the 16 `AT_RANDOM` bytes; then, 16-byte aligned at the
//! stack pointer, `argc`, the `argv` pointers and a NULL, the `envp`
//! pointers and a NULL, and the auxiliary vector ending with `AT_NULL`.

use crate::abi::elf::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};
use crate::abi::errno::Errno;

/// Longest single argument or environment string (`MAX_ARG_STRLEN`).
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Most bytes of strings and pointers the stack gives to arguments: a quarter
/// of the 8 MiB stack limit, as Linux allows.
const MAX_ARG_BYTES: usize = (super::STACK_SIZE / 4) as usize;
const PLATFORM: &[u8] = b"i686";

/// What goes on a new program's stack.
pub(crate) struct StackArgs<'a> {
    pub argv: &'a [Vec<u8>],
    pub envp: &'a [Vec<u8>],
    pub execfn: &'a [u8],
    pub random: [u8; 16],
    /// Auxiliary entries that are plain values; the pointer entries
    /// (`AT_RANDOM`, `AT_EXECFN`, `AT_PLATFORM`) and `AT_NULL` are added here.
    pub auxv: Vec<(u32, u32)>,
}

/// Lays out the stack below `top`: returns the initial `esp` and the bytes to
/// store from `esp` up to `top`. `E2BIG` if the arguments are too large.
pub(crate) fn layout(top: u32, a: &StackArgs) -> Result<(u32, Vec<u8>), Errno> {
    if a.argv
        .iter()
        .chain(a.envp)
        .any(|s| s.len() >= MAX_ARG_STRLEN)
    {
        return Err(Errno::E2BIG);
    }
    let strings: usize = a
        .argv
        .iter()
        .chain(a.envp)
        .map(|s| s.len() + 1)
        .sum::<usize>()
        + a.execfn.len()
        + 1;
    let vectors = 4 * (3 + a.argv.len() + a.envp.len() + 2 * (a.auxv.len() + 4));
    let total = strings + PLATFORM.len() + 1 + 16 + 4 + vectors + 16;
    if total > MAX_ARG_BYTES {
        return Err(Errno::E2BIG);
    }
    // Build the area as bytes below `top`: `mem[i]` is guest address `base + i`.
    let base = top - total as u32;
    let mut mem = vec![0u8; total];
    let mut cursor = top - 4;
    let mut push = |bytes: &[u8], nul: bool| -> u32 {
        cursor -= (bytes.len() + usize::from(nul)) as u32;
        let at = (cursor - base) as usize;
        mem[at..at + bytes.len()].copy_from_slice(bytes);
        cursor
    };
    let execfn = push(a.execfn, true);
    let mut envp: Vec<u32> = a.envp.iter().rev().map(|s| push(s, true)).collect();
    envp.reverse();
    let mut argv: Vec<u32> = a.argv.iter().rev().map(|s| push(s, true)).collect();
    argv.reverse();
    let platform = push(PLATFORM, true);
    let random = push(&a.random, false);

    let mut words = vec![a.argv.len() as u32];
    words.extend(&argv);
    words.push(0);
    words.extend(&envp);
    words.push(0);
    for (k, v) in a.auxv.iter().copied().chain([
        (AT_RANDOM, random),
        (AT_EXECFN, execfn),
        (AT_PLATFORM, platform),
        (AT_NULL, 0),
    ]) {
        words.extend([k, v]);
    }
    let sp = (random - 4 * words.len() as u32) & !15;
    let mut at = (sp - base) as usize;
    for w in words {
        mem[at..at + 4].copy_from_slice(&w.to_le_bytes());
        at += 4;
    }
    Ok((sp, mem.split_off((sp - base) as usize)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(mem: &[u8], base: u32, addr: u32) -> u32 {
        let i = (addr - base) as usize;
        u32::from_le_bytes(mem[i..i + 4].try_into().unwrap())
    }

    fn cstr(mem: &[u8], base: u32, addr: u32) -> &[u8] {
        let i = (addr - base) as usize;
        let end = mem[i..].iter().position(|&b| b == 0).unwrap();
        &mem[i..i + end]
    }

    #[test]
    fn argv_envp_and_auxv_follow_the_abi() {
        let argv = [b"prog".to_vec(), b"-x".to_vec()];
        let envp = [b"A=1".to_vec()];
        let args = StackArgs {
            argv: &argv,
            envp: &envp,
            execfn: b"/bin/prog",
            random: [7; 16],
            auxv: vec![(6, 4096)],
        };
        let top = 0xc000_0000;
        let (sp, mem) = layout(top, &args).unwrap();
        assert_eq!(sp % 16, 0);
        assert_eq!(sp as usize + mem.len(), top as usize);
        assert_eq!(word(&mem, sp, sp), 2);
        assert_eq!(cstr(&mem, sp, word(&mem, sp, sp + 4)), b"prog");
        assert_eq!(cstr(&mem, sp, word(&mem, sp, sp + 8)), b"-x");
        assert_eq!(word(&mem, sp, sp + 12), 0);
        assert_eq!(cstr(&mem, sp, word(&mem, sp, sp + 16)), b"A=1");
        assert_eq!(word(&mem, sp, sp + 20), 0);
        let aux: Vec<(u32, u32)> = (0..5)
            .map(|i| {
                (
                    word(&mem, sp, sp + 24 + 8 * i),
                    word(&mem, sp, sp + 28 + 8 * i),
                )
            })
            .collect();
        assert_eq!(aux[0], (6, 4096));
        assert_eq!(aux[1].0, AT_RANDOM);
        assert_eq!(&mem[(aux[1].1 - sp) as usize..][..16], &[7; 16]);
        assert_eq!(
            (aux[2].0, cstr(&mem, sp, aux[2].1)),
            (AT_EXECFN, &b"/bin/prog"[..])
        );
        assert_eq!(
            (aux[3].0, cstr(&mem, sp, aux[3].1)),
            (AT_PLATFORM, &b"i686"[..])
        );
        assert_eq!(aux[4], (AT_NULL, 0));
        assert_eq!(word(&mem, sp, top - 4), 0);
    }

    #[test]
    fn oversized_arguments_are_e2big() {
        let huge = [vec![b'x'; MAX_ARG_STRLEN]];
        let args = StackArgs {
            argv: &huge,
            envp: &[],
            execfn: b"p",
            random: [0; 16],
            auxv: vec![],
        };
        assert_eq!(layout(0xc000_0000, &args).unwrap_err(), Errno::E2BIG);
        let many = vec![vec![b'y'; 1000]; 3000];
        let args = StackArgs {
            argv: &many,
            envp: &[],
            execfn: b"p",
            random: [0; 16],
            auxv: vec![],
        };
        assert_eq!(layout(0xc000_0000, &args).unwrap_err(), Errno::E2BIG);
    }
}

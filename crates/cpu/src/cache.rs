//! Decoded basic blocks, cached per address space.
//!
//! A block is the run of instructions from one entry `eip` up to and
//! including the first one that may change control flow (jump, call, return,
//! interrupt), at most [`MAX_BLOCK`] long. It is decoded by iced-x86 once and
//! then found by `eip` on every later visit.
//!
//! Pages a block was decoded from are marked as code in the address space;
//! when one of them is written, unmapped or re-protected the address space
//! reports it ([`AddressSpace::take_dirty_code`]) and [`BlockCache::invalidate`]
//! drops every block decoded from it, so self-modifying code works.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use iced_x86::{Code, Decoder, DecoderError, DecoderOptions, FlowControl, Instruction};
use tabvm_mem::{AddressSpace, Fault, PAGE_SIZE};

use crate::fast::{self, Op};
use crate::jit::Translation;

/// Longest block. Long enough that straight-line code rarely splits, short
/// enough that a block ending in the middle of a page costs little to decode.
const MAX_BLOCK: usize = 64;
/// Slots of the direct-mapped front of the cache: enough for the hot loops
/// of a program, small enough to clear on every invalidation.
const FRONT: usize = 4096;
/// Longest x86 instruction.
const MAX_INSN: usize = 15;

/// One decoded basic block.
pub(crate) struct Block {
    pub eip: u32,
    /// Where execution continues after the last instruction if it does not
    /// branch; `eip` holds this while the block runs (see `exec.rs`).
    pub fallthrough: u32,
    /// The ops to execute. A final `jcc` fused into the compare before it
    /// (see `fast.rs`) has no op of its own.
    pub ops: Box<[Op]>,
    /// Instructions in the block (the fused `jcc` included).
    pub count: usize,
    /// First page number and last page number the block's bytes occupy.
    pub pages: (u32, u32),
    /// How hot the block is and whether it was translated (`jit.rs`).
    pub jit: Cell<Translation>,
}

/// Multiplicative hash for `eip` keys: guest code addresses are dense and
/// need no protection from collisions crafted by an attacker.
#[derive(Default)]
pub(crate) struct EipHasher(u64);

impl Hasher for EipHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = u64::from(v).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16;
    }
}

type EipMap<V> = HashMap<u32, V, BuildHasherDefault<EipHasher>>;

/// The decoded blocks of one address space, shared by its threads.
///
/// A hash map holds every block; a direct-mapped array in front of it
/// answers the hot lookups (block ends are frequent: a loop body is often a
/// handful of instructions) with one compare.
#[derive(Clone)]
pub struct BlockCache {
    front: Box<[Option<Rc<Block>>; FRONT]>,
    blocks: EipMap<Rc<Block>>,
    /// Entry addresses of the blocks decoded from each page.
    by_page: EipMap<Vec<u32>>,
}

impl Default for BlockCache {
    fn default() -> Self {
        let front = vec![None; FRONT]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("FRONT slots"));
        BlockCache {
            front,
            blocks: EipMap::default(),
            by_page: EipMap::default(),
        }
    }
}

#[inline(always)]
fn slot(eip: u32) -> usize {
    (eip ^ eip >> 12) as usize % FRONT
}

impl BlockCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The block starting at `eip`, decoding it on first use.
    #[inline]
    pub(crate) fn get(&mut self, mem: &mut AddressSpace, eip: u32) -> Result<&Block, Fault> {
        let s = slot(eip);
        if !matches!(&self.front[s], Some(b) if b.eip == eip) {
            self.fill(mem, eip)?;
        }
        Ok(self.front[s].as_deref().expect("fill sets the slot"))
    }

    /// Puts the block at `eip` into its front slot, decoding it if needed.
    fn fill(&mut self, mem: &mut AddressSpace, eip: u32) -> Result<(), Fault> {
        if let Some(b) = self.blocks.get(&eip) {
            self.front[slot(eip)] = Some(Rc::clone(b));
            return Ok(());
        }
        let block = Rc::new(decode(mem, eip)?);
        for page in [block.pages.0, block.pages.1] {
            mem.mark_code(page.wrapping_mul(PAGE_SIZE));
            let list = self.by_page.entry(page).or_default();
            if !list.contains(&eip) {
                list.push(eip);
            }
        }
        self.blocks.insert(eip, Rc::clone(&block));
        self.front[slot(eip)] = Some(block);
        Ok(())
    }

    /// Drops the blocks decoded from `pages`.
    pub(crate) fn invalidate(&mut self, pages: &[u32]) {
        self.front.iter_mut().for_each(|s| *s = None);
        for &page in pages {
            for eip in self.by_page.remove(&page).unwrap_or_default() {
                self.blocks.remove(&eip);
            }
        }
    }

    /// Number of cached blocks (for statistics and tests).
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// The mnemonic of the instruction at the start of `bytes` (lower case, e.g.
/// `"movdqa"`), or `"(bad)"`: for the one log line that names an
/// unimplemented instruction.
pub fn mnemonic_name(bytes: &[u8]) -> String {
    let insn = Decoder::new(32, bytes, DecoderOptions::NONE).decode();
    if insn.is_invalid() {
        return "(bad)".to_owned();
    }
    format!("{:?}", insn.mnemonic()).to_lowercase()
}

/// Decodes the instructions of the block at `eip`. Fails only if not even
/// its first instruction can be fetched; a block whose later instruction
/// runs into an unfetchable page simply ends before it, so the fault
/// happens when that instruction is reached and `eip` points at it.
pub(crate) fn decode_insns(mem: &mut AddressSpace, eip: u32) -> Result<Vec<Instruction>, Fault> {
    let mut buf = [0u8; MAX_BLOCK * 4 + MAX_INSN];
    // Stop at the end of the next page at most, so a block spans two pages.
    let to_page_end = (PAGE_SIZE - (eip & (PAGE_SIZE - 1))) as usize;
    let want = buf.len().min(to_page_end + PAGE_SIZE as usize);
    let got = mem.fetch(eip, &mut buf[..want])?;
    let mut decoder = Decoder::with_ip(32, &buf[..got], u64::from(eip), DecoderOptions::NONE);
    let mut insns = Vec::with_capacity(16);
    let mut insn = Instruction::default();
    while decoder.can_decode() && insns.len() < MAX_BLOCK {
        decoder.decode_out(&mut insn);
        if decoder.last_error() == DecoderError::NoMoreBytes {
            break;
        }
        let ends = insn.code() == Code::INVALID || insn.flow_control() != FlowControl::Next;
        insns.push(insn);
        if ends {
            break;
        }
    }
    if insns.is_empty() {
        // The first instruction is cut off by an unfetchable page: fault on
        // the first byte we could not fetch.
        let mut probe = [0u8; 1];
        let at = eip.wrapping_add(got as u32);
        mem.fetch(at, &mut probe)?;
        // Unreachable in practice (fetch stopped there); decode it as #UD.
        insn = Instruction::default();
        insn.set_ip32(eip);
        insn.set_next_ip32(eip);
        insns.push(insn);
    }
    Ok(insns)
}

/// Decodes the block at `eip` (see [`decode_insns`]).
fn decode(mem: &mut AddressSpace, eip: u32) -> Result<Block, Fault> {
    let insns = decode_insns(mem, eip)?;
    let last = insns.last().map_or(eip, |i| i.next_ip32().wrapping_sub(1));
    let fallthrough = last.wrapping_add(1);
    let mut ops: Vec<Op> = insns
        .into_iter()
        .enumerate()
        .map(|(i, insn)| Op::new(insn, i as u8))
        .collect();
    let count = ops.len();
    if fast::fuse_branch(&mut ops) {
        ops.pop();
    }
    Ok(Block {
        eip,
        fallthrough,
        ops: ops.into_boxed_slice(),
        count,
        pages: (eip >> 12, last >> 12),
        jit: Cell::new(Translation::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabvm_mem::Prot;

    #[test]
    fn blocks_end_at_branches_span_pages_and_are_dropped_on_write() {
        let mut mem = AddressSpace::new();
        mem.map_fixed(
            0x1000,
            0x2000,
            Prot::READ | Prot::WRITE | Prot::EXEC,
            "code",
        )
        .unwrap();
        // nop; nop; nop (crossing into the next page); jmp $; nop
        mem.poke(0x1ffe, &[0x90, 0x90, 0x90, 0xeb, 0xfe, 0x90])
            .unwrap();
        let mut cache = BlockCache::new();
        let block = cache.get(&mut mem, 0x1ffe).unwrap();
        assert_eq!(
            (block.ops.len(), block.pages, block.fallthrough),
            (4, (1, 2), 0x2003)
        );
        assert_eq!(cache.len(), 1);
        // A store anywhere in the second page is reported and drops the block.
        mem.write_u8(0x2800, 1).unwrap();
        cache.invalidate(&mem.take_dirty_code());
        assert!(cache.is_empty());
    }

    #[test]
    fn names_instructions_for_logs() {
        assert_eq!(mnemonic_name(&[0x66, 0x0f, 0x6f, 0xc1]), "movdqa");
        assert_eq!(mnemonic_name(&[0x0f, 0xff]), "(bad)");
    }

    #[test]
    fn long_straight_line_code_is_split() {
        let mut mem = AddressSpace::new();
        mem.map_fixed(0x1000, 0x1000, Prot::READ | Prot::EXEC, "code")
            .unwrap();
        mem.poke(0x1000, &[0x40; 200]).unwrap(); // inc eax × 200
        let mut cache = BlockCache::new();
        assert_eq!(cache.get(&mut mem, 0x1000).unwrap().ops.len(), MAX_BLOCK);
    }

    #[test]
    fn unfetchable_first_instruction_faults_at_the_missing_byte() {
        let mut mem = AddressSpace::new();
        mem.map_fixed(0x1000, 0x1000, Prot::READ | Prot::EXEC, "code")
            .unwrap();
        mem.poke(0x1ffe, &[0xb8, 0x01]).unwrap(); // mov eax, imm32 cut by the page end
        let fault = BlockCache::new().get(&mut mem, 0x1ffe).err().unwrap();
        assert_eq!(fault.addr, 0x2000);
    }
}

//! Decoded basic blocks, cached per address space.

/// Placeholder until the interpreter lands.
#[derive(Default)]
pub struct BlockCache {}

impl BlockCache {
    pub fn new() -> Self {
        Self::default()
    }
}

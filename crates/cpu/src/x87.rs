//! The x87 floating-point unit.

/// x87 register stack, control/status/tag words.
#[derive(Clone, Debug, Default)]
pub struct Fpu {}

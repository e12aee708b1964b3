//! Instruction handlers, one module per topic. Each adds methods to
//! [`Cpu`](crate::Cpu) named for the instruction form they execute; the
//! dispatcher in `exec.rs` picks them by mnemonic.

mod alu;
mod bits;
mod control;
mod data;
mod misc;
mod muldiv;
mod shift;
mod stack;
mod string;

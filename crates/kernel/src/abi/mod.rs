//! Linux i386 ABI constants and structure layouts, filed by the header they
//! come from. Behaviour lives elsewhere.

pub mod elf;
pub mod errno;
pub mod fcntl;
pub mod mman;
pub mod poll;
pub mod process;
pub mod signal;
pub mod stat;
pub mod termios;
pub mod time;

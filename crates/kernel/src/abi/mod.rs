//! Linux i386 ABI constants and structure layouts, filed by the header they
//! come from. Behaviour lives elsewhere.

pub mod errno;

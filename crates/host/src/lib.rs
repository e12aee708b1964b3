//! Platform services placeholder; filled by the host implementations.

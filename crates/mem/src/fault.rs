//! What went wrong with a guest memory access.

/// The kind of access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// Why an access faulted; maps onto SIGSEGV's `si_code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// No mapping covers the address (`SEGV_MAPERR`).
    Unmapped,
    /// A mapping exists but forbids this access (`SEGV_ACCERR`).
    Protection,
}

/// A guest memory access that could not be completed. `addr` is the first
/// byte that could not be accessed (Linux's `si_addr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub addr: u32,
    pub access: Access,
    pub kind: FaultKind,
}

impl Fault {
    /// The `si_code` Linux reports for this fault in a SIGSEGV.
    pub fn si_code(&self) -> i32 {
        match self.kind {
            FaultKind::Unmapped => 1,   // SEGV_MAPERR
            FaultKind::Protection => 2, // SEGV_ACCERR
        }
    }
}

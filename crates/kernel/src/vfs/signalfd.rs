//! `signalfd`: reads the reader's pending signals of a set as
//! `struct signalfd_siginfo` records, taking them as `sigtimedwait` does.

use super::special::{anon_stat, would_block, PollCtx, SpecialFile};
use super::{Io, Stat};
use crate::abi::errno::Errno;
use crate::abi::poll::{POLLIN, POLLRDNORM};
use crate::abi::signal::*;
use crate::signal::{SigInfo, UNBLOCKABLE};
use crate::sys::SysError;

/// `si_code` of a POSIX timer's signal.
const SI_TIMER: i32 = -2;

/// `sizeof(struct signalfd_siginfo)`.
const RECORD: usize = 128;

pub(crate) struct SignalFd {
    mask: u64,
}

impl SignalFd {
    pub fn new(mask: u64) -> SignalFd {
        SignalFd {
            mask: mask & !UNBLOCKABLE,
        }
    }

    pub fn set_mask(&mut self, mask: u64) {
        self.mask = mask & !UNBLOCKABLE;
    }
}

/// A `signalfd_siginfo` record: which `siginfo_t` union fields land where
/// follows Linux's layout classes (kill, fault, child, timer, queued).
fn record(info: &SigInfo) -> [u8; RECORD] {
    let mut b = [0u8; RECORD];
    let mut put = |at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(0, info.signo);
    put(8, info.code as u32);
    let [f0, f1, f2, _] = info.fields;
    let sender = info.code > SI_USER && info.code < SI_KERNEL;
    match info.signo {
        SIGILL | SIGFPE | SIGSEGV | SIGBUS | SIGTRAP if sender => {
            b[72..76].copy_from_slice(&f0.to_le_bytes());
        }
        SIGCHLD if sender => {
            put(12, f0);
            put(16, f1);
            put(40, f2);
        }
        _ if info.code == SI_TIMER => {
            put(24, f0);
            put(32, f1);
            put(44, f2);
            put(48, f2);
        }
        _ => {
            put(12, f0);
            put(16, f1);
            if info.code < 0 {
                // The queued value (`sival_int`, and `sival_ptr`'s low word).
                put(44, f2);
                put(48, f2);
            }
        }
    }
    b
}

impl SpecialFile for SignalFd {
    fn read(&mut self, io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        if buf.len() < RECORD {
            return Err(Errno::EINVAL.into());
        }
        let mut done = 0;
        while done + RECORD <= buf.len() {
            let Some(info) = io.signals.take_from(self.mask) else {
                break;
            };
            buf[done..done + RECORD].copy_from_slice(&record(&info));
            done += RECORD;
        }
        if done == 0 {
            return Err(would_block(nonblock));
        }
        Ok(done)
    }

    fn poll(&self, ctx: &PollCtx) -> u16 {
        if ctx.pending & self.mask != 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn stat(&self) -> Stat {
        anon_stat()
    }

    fn link(&self) -> String {
        "anon_inode:[signalfd]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_layouts() {
        let kill = record(&SigInfo::user(SIGUSR1, SI_USER, 42, 1000));
        assert_eq!(&kill[0..4], &SIGUSR1.to_le_bytes());
        assert_eq!(&kill[12..16], &42u32.to_le_bytes());
        assert_eq!(&kill[16..20], &1000u32.to_le_bytes());
        let child = record(&SigInfo::child(CLD_EXITED, 7, 0, 3));
        assert_eq!(&child[12..16], &7u32.to_le_bytes());
        assert_eq!(&child[40..44], &3u32.to_le_bytes());
        let fault = record(&SigInfo::fault(SIGSEGV, 1, 0x1234));
        assert_eq!(&fault[72..76], &0x1234u32.to_le_bytes());
        assert_eq!(&fault[12..16], &[0; 4]);
    }
}

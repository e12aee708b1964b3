//! The open file of a socket: `read`, `write`, poll/epoll readiness and
//! `fstat` through the shared core (`sock.rs`); dropping the last
//! descriptor closes the socket.

use super::sock::{close, send, Dest, Message, SockRef};
use crate::abi::errno::Errno;
use crate::abi::poll::POLLIN;
use crate::abi::stat::S_IFSOCK;
use crate::sys::SysError;
use crate::vfs::special::{PollCtx, SpecialFile, ANON_DEV};
use crate::vfs::{Io, Stat};

/// An open socket: closing the last descriptor closes the socket.
pub(crate) struct SocketFile {
    pub sock: SockRef,
}

impl SocketFile {
    pub fn new(sock: SockRef) -> SocketFile {
        SocketFile { sock }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        close(&self.sock);
    }
}

impl SpecialFile for SocketFile {
    fn read(&mut self, _io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        let got = self.sock.borrow_mut().recv(buf.len(), false, nonblock)?;
        buf[..got.data.len()].copy_from_slice(&got.data);
        // Descriptors received by a plain read are closed (after the borrow).
        drop(got.fds);
        Ok(got.data.len())
    }

    fn write(&mut self, _io: &mut Io, data: &[u8], nonblock: bool) -> Result<usize, SysError> {
        let (cred, from) = {
            let s = self.sock.borrow();
            (s.cred, s.source())
        };
        let msg = Message {
            data: data.to_vec(),
            fds: Vec::new(),
            cred,
            from,
        };
        send(&self.sock, Dest::Peer, msg, nonblock)
    }

    fn poll(&self, _ctx: &PollCtx) -> u16 {
        self.sock.try_borrow().map_or(0, |s| s.readiness())
    }

    fn activity(&self, events: u16) -> u64 {
        if events & POLLIN == 0 {
            return 0;
        }
        self.sock.try_borrow().map_or(0, |s| s.arrivals())
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: ANON_DEV,
            ino: self.sock.borrow().id,
            mode: S_IFSOCK | 0o777,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }

    fn link(&self) -> String {
        format!("socket:[{}]", self.sock.borrow().id)
    }

    fn available(&self) -> Result<u64, Errno> {
        Ok(self.sock.borrow().available() as u64)
    }
}

//! [`NativeHost`]: the kernel's console is the host's stdout and stderr.

use std::fs::File;
use std::io::{Read, Write};

use tabvm_kernel::{Host, Stream};

/// Platform services for a VM running as the `tabvm` command.
pub struct NativeHost {
    /// Opened lazily and kept: one `open` per VM rather than per request.
    urandom: Option<File>,
}

impl NativeHost {
    pub fn new() -> NativeHost {
        NativeHost { urandom: None }
    }
}

impl Default for NativeHost {
    fn default() -> Self {
        NativeHost::new()
    }
}

impl Host for NativeHost {
    fn write_console(&mut self, stream: Stream, bytes: &[u8]) {
        // Errors (a closed pipe, a full disk) are dropped: the guest's write
        // already succeeded from its point of view, and the engine must not
        // fail because the host's reader went away.
        let _ = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(bytes),
        };
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        if self.urandom.is_none() {
            self.urandom = File::open("/dev/urandom").ok();
        }
        let filled = self
            .urandom
            .as_mut()
            .is_some_and(|f| f.read_exact(buf).is_ok());
        // Without /dev/urandom (a bare chroot) the guest still needs distinct
        // bytes; fall back to the kernel's getrandom(2), which needs no file.
        if !filled {
            super::sys::getrandom(buf);
        }
    }

    fn log(&mut self, line: &str) {
        eprintln!("tabvm: {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_differ_between_calls() {
        let mut host = NativeHost::new();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        host.fill_random(&mut a);
        host.fill_random(&mut b);
        assert_ne!(a, b);
    }
}

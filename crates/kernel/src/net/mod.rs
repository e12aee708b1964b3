//! Sockets between tasks of the VM: the UNIX domain, and internet sockets
//! over loopback until the network stack arrives. Other families are
//! refused with `EAFNOSUPPORT` by the system calls (`sys/net.rs`).
//!
//! - `sock.rs`: the socket core both families share — streams, datagrams,
//!   the accept backlog, shutdown, readiness.
//! - `file.rs`: the open file of a socket.
//! - `unix.rs`: `sockaddr_un` and the registry of bound UNIX names.
//! - `inet.rs`: `sockaddr_in` and the TCP and UDP port table.
//! - `options.rs`: socket options kept and read back.

pub(crate) mod file;
pub(crate) mod inet;
pub(crate) mod options;
pub(crate) mod sock;
pub(crate) mod unix;

/// The VM's socket namespaces.
#[derive(Default)]
pub(crate) struct Net {
    pub unix: unix::Names,
    pub inet: inet::Ports,
}

//! Socket options that are kept and read back but change nothing here:
//! keep-alives, `TCP_NODELAY`, type of service and the like steer a real
//! network, which loopback does not have. `SO_REUSEADDR` and `SO_REUSEPORT`
//! are kept here too and consulted by the port table (`inet.rs`).
//!
//! Options with an effect (`SO_RCVBUF`, `SO_ERROR`, `SO_PASSCRED`…) are
//! answered by the socket system calls from the socket itself.

use std::collections::HashMap;

use crate::abi::errno::Errno;

pub(crate) const SOL_SOCKET: u32 = 1;
pub(crate) const IPPROTO_IP: u32 = 0;
pub(crate) const IPPROTO_TCP: u32 = 6;
pub(crate) const IPPROTO_UDP: u32 = 17;

pub(crate) const SO_REUSEADDR: u32 = 2;
pub(crate) const SO_REUSEPORT: u32 = 15;

/// How a stored option's value looks.
#[derive(Clone, Copy)]
enum Shape {
    /// An `int` read back as 0 or 1.
    Flag,
    /// An `int` within a range (`EINVAL` outside it).
    Int { min: i32, max: i32 },
    /// A structure of this size (`struct linger`, `struct timeval`).
    Bytes(usize),
}

/// One stored option and its value before any `setsockopt`.
struct Row {
    level: u32,
    name: u32,
    shape: Shape,
    default: i32,
}

const fn row(level: u32, name: u32, shape: Shape, default: i32) -> Row {
    Row {
        level,
        name,
        shape,
        default,
    }
}

const ANY: Shape = Shape::Int {
    min: i32::MIN,
    max: i32::MAX,
};

/// The stored options; defaults are Linux's.
const ROWS: &[Row] = &[
    row(SOL_SOCKET, SO_REUSEADDR, Shape::Flag, 0),
    row(SOL_SOCKET, 5, Shape::Flag, 0),  // SO_DONTROUTE
    row(SOL_SOCKET, 6, Shape::Flag, 0),  // SO_BROADCAST
    row(SOL_SOCKET, 9, Shape::Flag, 0),  // SO_KEEPALIVE
    row(SOL_SOCKET, 10, Shape::Flag, 0), // SO_OOBINLINE
    row(SOL_SOCKET, 12, Shape::Int { min: 0, max: 6 }, 0), // SO_PRIORITY (unprivileged range)
    row(SOL_SOCKET, 13, Shape::Bytes(8), 0), // SO_LINGER
    row(SOL_SOCKET, SO_REUSEPORT, Shape::Flag, 0),
    row(
        SOL_SOCKET,
        18,
        Shape::Int {
            min: 0,
            max: i32::MAX,
        },
        1,
    ), // SO_RCVLOWAT
    row(SOL_SOCKET, 20, Shape::Bytes(8), 0), // SO_RCVTIMEO_OLD (32-bit timeval)
    row(SOL_SOCKET, 21, Shape::Bytes(8), 0), // SO_SNDTIMEO_OLD
    row(SOL_SOCKET, 29, Shape::Flag, 0),     // SO_TIMESTAMP_OLD
    row(SOL_SOCKET, 34, Shape::Flag, 0),     // SO_PASSSEC
    row(SOL_SOCKET, 66, Shape::Bytes(16), 0), // SO_RCVTIMEO_NEW (64-bit timeval)
    row(SOL_SOCKET, 67, Shape::Bytes(16), 0), // SO_SNDTIMEO_NEW
    row(IPPROTO_IP, 1, Shape::Int { min: 0, max: 255 }, 0), // IP_TOS
    row(IPPROTO_IP, 2, Shape::Int { min: 1, max: 255 }, 64), // IP_TTL
    row(IPPROTO_IP, 8, Shape::Flag, 0),      // IP_PKTINFO
    row(IPPROTO_IP, 11, Shape::Flag, 0),     // IP_RECVERR
    row(IPPROTO_IP, 13, Shape::Flag, 0),     // IP_RECVTOS
    row(IPPROTO_IP, 33, Shape::Int { min: 0, max: 255 }, 1), // IP_MULTICAST_TTL
    row(IPPROTO_IP, 34, Shape::Flag, 1),     // IP_MULTICAST_LOOP
    row(IPPROTO_TCP, 1, Shape::Flag, 0),     // TCP_NODELAY
    row(IPPROTO_TCP, 3, Shape::Flag, 0),     // TCP_CORK
    row(IPPROTO_TCP, 4, Shape::Int { min: 1, max: 32767 }, 7200), // TCP_KEEPIDLE
    row(IPPROTO_TCP, 5, Shape::Int { min: 1, max: 32767 }, 75), // TCP_KEEPINTVL
    row(IPPROTO_TCP, 6, Shape::Int { min: 1, max: 127 }, 9), // TCP_KEEPCNT
    row(IPPROTO_TCP, 9, ANY, 0),             // TCP_DEFER_ACCEPT
    row(IPPROTO_TCP, 12, Shape::Flag, 1),    // TCP_QUICKACK
    row(
        IPPROTO_TCP,
        18,
        Shape::Int {
            min: 0,
            max: i32::MAX,
        },
        0,
    ), // TCP_USER_TIMEOUT
    row(IPPROTO_TCP, 23, ANY, 0),            // TCP_FASTOPEN
    row(IPPROTO_TCP, 25, ANY, 0),            // TCP_NOTSENT_LOWAT
    row(IPPROTO_UDP, 1, Shape::Flag, 0),     // UDP_CORK
];

fn find(level: u32, name: u32) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.level == level && r.name == name)
}

/// The values a socket's `setsockopt` calls stored, by level and name.
#[derive(Default)]
pub(crate) struct Options(HashMap<(u32, u32), Vec<u8>>);

impl Options {
    /// Stores `value` for a stored option; `None` when the option is not
    /// one of them (the caller decides).
    pub fn set(&mut self, level: u32, name: u32, value: &[u8]) -> Option<Result<(), Errno>> {
        let row = find(level, name)?;
        let int = || -> Result<i32, Errno> {
            let b = value.get(..4).ok_or(Errno::EINVAL)?;
            Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let stored = match row.shape {
            Shape::Flag => int().map(|v| i32::from(v != 0).to_le_bytes().to_vec()),
            Shape::Int { min, max } => int().and_then(|v| {
                if (min..=max).contains(&v) {
                    Ok(v.to_le_bytes().to_vec())
                } else {
                    Err(Errno::EINVAL)
                }
            }),
            Shape::Bytes(n) => value.get(..n).map(<[u8]>::to_vec).ok_or(Errno::EINVAL),
        };
        Some(stored.map(|v| {
            self.0.insert((level, name), v);
        }))
    }

    /// A stored option's value (`None` when it is not one of them).
    pub fn get(&self, level: u32, name: u32) -> Option<Vec<u8>> {
        let row = find(level, name)?;
        Some(match (self.0.get(&(level, name)), row.shape) {
            (Some(v), _) => v.clone(),
            (None, Shape::Bytes(n)) => vec![0; n],
            (None, _) => row.default.to_le_bytes().to_vec(),
        })
    }

    /// Whether a flag option is on.
    pub fn flag(&self, level: u32, name: u32) -> bool {
        self.get(level, name)
            .is_some_and(|v| v.iter().any(|&b| b != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_normalised_and_ints_checked() {
        let mut o = Options::default();
        assert!(!o.flag(SOL_SOCKET, SO_REUSEADDR));
        o.set(SOL_SOCKET, SO_REUSEADDR, &5i32.to_le_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(o.get(SOL_SOCKET, SO_REUSEADDR), Some(vec![1, 0, 0, 0]));
        assert!(o.flag(SOL_SOCKET, SO_REUSEADDR));
        assert_eq!(o.get(IPPROTO_TCP, 4), Some(7200i32.to_le_bytes().to_vec()));
        assert_eq!(
            o.set(IPPROTO_TCP, 4, &0i32.to_le_bytes()),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(o.set(SOL_SOCKET, 9, &[1, 0]), Some(Err(Errno::EINVAL)));
        assert_eq!(
            o.set(SOL_SOCKET, 13, &[1, 0, 0, 0]),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(o.set(IPPROTO_TCP, 11, &[0; 4]), None);
    }
}

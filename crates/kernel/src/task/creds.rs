//! Credentials of a process: real, effective, saved and file-system user
//! and group ids and the supplementary groups, with Linux's rules for
//! changing them (`set*id`) and for file access.
//!
//! Privilege is an effective uid of 0 (Linux's `CAP_SETUID`/`CAP_SETGID`
//! and `CAP_DAC_OVERRIDE` of root); there are no other capabilities.

use crate::abi::errno::Errno;
use crate::vfs::Stat;

/// `-1` in a `set*id` argument: leave that id alone.
pub(crate) const KEEP: u32 = u32::MAX;
/// Most supplementary groups a process may have (`NGROUPS_MAX`).
pub(crate) const NGROUPS_MAX: usize = 65536;

/// One kind of id (user or group) in its four roles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
    /// Used for file access and as the owner of created files.
    pub fs: u32,
}

impl Ids {
    fn all(id: u32) -> Ids {
        Ids {
            real: id,
            effective: id,
            saved: id,
            fs: id,
        }
    }

    /// Whether an unprivileged process may take `id` (one it holds).
    fn holds(&self, id: u32) -> bool {
        id == self.real || id == self.effective || id == self.saved
    }

    /// `setuid`: privileged, every id; otherwise the effective (and fs) id,
    /// to the real or saved one.
    pub fn set(&mut self, id: u32, privileged: bool) -> Result<(), Errno> {
        if id == KEEP {
            return Err(Errno::EINVAL);
        }
        if privileged {
            *self = Ids::all(id);
        } else if id == self.real || id == self.saved {
            self.effective = id;
            self.fs = id;
        } else {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// `setreuid`: the real id may become the effective one, the effective
    /// one any held id; the saved id follows the new effective one when the
    /// real id is set or the effective one differs from the old real one.
    pub fn set_re(&mut self, real: u32, effective: u32, privileged: bool) -> Result<(), Errno> {
        let bad_real = real != KEEP && real != self.real && real != self.effective;
        let bad_eff = effective != KEEP && !self.holds(effective);
        if !privileged && (bad_real || bad_eff) {
            return Err(Errno::EPERM);
        }
        let old_real = self.real;
        if real != KEEP {
            self.real = real;
        }
        if effective != KEEP {
            self.effective = effective;
        }
        if real != KEEP || (effective != KEEP && effective != old_real) {
            self.saved = self.effective;
        }
        self.fs = self.effective;
        Ok(())
    }

    /// `setresuid`: each id to any held one (anything when privileged).
    pub fn set_res(&mut self, ids: [u32; 3], privileged: bool) -> Result<(), Errno> {
        if !privileged && !ids.iter().all(|&i| i == KEEP || self.holds(i)) {
            return Err(Errno::EPERM);
        }
        for (slot, id) in [&mut self.real, &mut self.effective, &mut self.saved]
            .into_iter()
            .zip(ids)
        {
            if id != KEEP {
                *slot = id;
            }
        }
        self.fs = self.effective;
        Ok(())
    }

    /// `setfsuid`: returns the old fs id; changes it when allowed (a held id
    /// or the current fs id, or privileged) and silently not otherwise.
    pub fn set_fs(&mut self, id: u32, privileged: bool) -> u32 {
        let old = self.fs;
        if id != KEEP && (privileged || self.holds(id) || id == self.fs) {
            self.fs = id;
        }
        old
    }
}

/// What a process is allowed to be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub user: Ids,
    pub group: Ids,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Creds {
    /// All user ids `uid`, all group ids `gid`, no supplementary groups.
    pub fn new(uid: u32, gid: u32) -> Creds {
        Creds {
            user: Ids::all(uid),
            group: Ids::all(gid),
            groups: Vec::new(),
        }
    }

    /// May change ids freely and bypasses file permissions.
    pub fn privileged(&self) -> bool {
        self.user.effective == 0
    }

    /// Whether file access uses group `gid` (fs gid or supplementary).
    pub fn in_group(&self, gid: u32) -> bool {
        self.group.fs == gid || self.groups.contains(&gid)
    }

    /// Whether a process with these credentials may send a signal to one
    /// with `target`'s: privileged, or its real or effective uid is the
    /// target's real or saved one.
    pub fn may_signal(&self, target: &Creds) -> bool {
        let (me, them) = (self.user, target.user);
        self.privileged()
            || [me.real, me.effective]
                .iter()
                .any(|&u| u == them.real || u == them.saved)
    }

    /// Whether a node with attributes `st` may be accessed as `want`
    /// (`R_OK|W_OK|X_OK` bits, 4/2/1). Root (fs uid 0) may read and write
    /// anything and execute what has any execute bit (any directory).
    pub fn permits(&self, st: &Stat, want: u32) -> bool {
        if self.user.fs == 0 {
            return want & 1 == 0 || st.is_dir() || st.mode & 0o111 != 0;
        }
        let bits = if self.user.fs == st.uid {
            st.mode >> 6
        } else if self.in_group(st.gid) {
            st.mode >> 3
        } else {
            st.mode
        };
        want & !bits & 7 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprivileged_ids_move_only_among_held_ones() {
        // A set-user-id program: real 1000, effective and saved 0 dropped
        // to effective 1000 keeps saved 0 and may go back.
        let mut u = Ids {
            real: 1000,
            effective: 1000,
            saved: 0,
            fs: 1000,
        };
        assert_eq!(u.set(0, false), Ok(()));
        assert_eq!((u.effective, u.fs, u.saved), (0, 0, 0));
        let mut plain = Ids::all(1000);
        assert_eq!(plain.set(0, false), Err(Errno::EPERM));
        assert_eq!(plain.set_res([KEEP, 1000, KEEP], false), Ok(()));
        assert_eq!(plain.set_res([0, KEEP, KEEP], false), Err(Errno::EPERM));
        assert_eq!(plain.set_re(KEEP, 5, false), Err(Errno::EPERM));
        assert_eq!(plain.set_fs(5, false), 1000);
        assert_eq!(plain.fs, 1000);
        // Root dropping everything cannot come back.
        let mut root = Ids::all(0);
        assert_eq!(root.set(1000, true), Ok(()));
        assert_eq!(root, Ids::all(1000));
        assert_eq!(root.set(0, false), Err(Errno::EPERM));
    }

    #[test]
    fn setreuid_updates_the_saved_id_like_linux() {
        let mut u = Ids::all(0);
        assert_eq!(u.set_re(KEEP, 1000, true), Ok(()));
        assert_eq!((u.real, u.effective, u.saved), (0, 1000, 1000));
        let mut u = Ids::all(0);
        assert_eq!(u.set_re(1000, KEEP, true), Ok(()));
        assert_eq!((u.real, u.effective, u.saved), (1000, 0, 0));
        // Swapping real and effective (unprivileged) is allowed.
        let mut u = Ids {
            real: 1000,
            effective: 2000,
            saved: 2000,
            fs: 2000,
        };
        assert_eq!(u.set_re(2000, 1000, false), Ok(()));
        assert_eq!(
            (u.real, u.effective, u.saved, u.fs),
            (2000, 1000, 1000, 1000)
        );
    }

    #[test]
    fn signals_need_a_shared_user() {
        let user = Creds::new(1000, 100);
        let other = Creds::new(1001, 100);
        assert!(user.may_signal(&user) && !user.may_signal(&other));
        assert!(Creds::new(0, 0).may_signal(&other));
        // A set-user-id process (saved uid 1000) may still be signalled.
        let setuid = Creds {
            user: Ids {
                real: 0,
                effective: 0,
                saved: 1000,
                fs: 0,
            },
            ..Creds::default()
        };
        assert!(user.may_signal(&setuid) && !user.may_signal(&Creds::new(0, 0)));
    }

    #[test]
    fn permissions_follow_owner_group_other() {
        let st = Stat {
            mode: 0o100754,
            uid: 5,
            gid: 6,
            ..Stat::default()
        };
        let user = |uid, gid, groups: &[u32]| Creds {
            groups: groups.to_vec(),
            ..Creds::new(uid, gid)
        };
        assert!(user(5, 0, &[]).permits(&st, 7));
        assert!(user(7, 6, &[]).permits(&st, 5) && !user(7, 6, &[]).permits(&st, 2));
        assert!(user(7, 9, &[6]).permits(&st, 5));
        assert!(user(7, 7, &[]).permits(&st, 4) && !user(7, 7, &[]).permits(&st, 1));
        assert!(user(0, 0, &[]).permits(&st, 7));
        let data = Stat {
            mode: 0o100644,
            ..st
        };
        assert!(!user(0, 0, &[]).permits(&data, 1));
    }
}

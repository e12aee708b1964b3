//! `epoll`: an interest list of (descriptor, open file) pairs whose
//! readiness is computed from each file's `poll` when asked.
//!
//! Entries hold their file weakly: like Linux, an entry goes away when the
//! last descriptor of its open file description closes, not when the one
//! descriptor it was added by does. Level-triggered entries report while
//! ready; an `EPOLLET` entry reports when something became ready since its
//! previous check or its file saw the event again (new data in a pipe,
//! socket or eventfd, by the file's activity count); an `EPOLLONESHOT`
//! entry is disabled after one report until `EPOLL_CTL_MOD`. Reported level-triggered entries
//! move to the end of the list, so a small `maxevents` still reaches all.

use std::rc::{Rc, Weak};

use super::fd::FileRef;
use super::special::{anon_stat, PollCtx, SpecialFile};
use super::{OpenFile, Stat};
use crate::abi::errno::Errno;
use crate::abi::poll::{POLLERR, POLLHUP, POLLIN, POLLRDNORM};

pub(crate) const EPOLL_CTL_ADD: u32 = 1;
pub(crate) const EPOLL_CTL_DEL: u32 = 2;
pub(crate) const EPOLL_CTL_MOD: u32 = 3;
const EPOLLEXCLUSIVE: u32 = 1 << 28;
const EPOLLWAKEUP: u32 = 1 << 29;
const EPOLLONESHOT: u32 = 1 << 30;
const EPOLLET: u32 = 1 << 31;

struct Interest {
    fd: u32,
    file: Weak<std::cell::RefCell<OpenFile>>,
    /// Requested events and the `EPOLLET`/`EPOLLONESHOT` flags.
    events: u32,
    data: u64,
    /// Edge-triggered: what was ready at the previous check, and the
    /// file's activity count then.
    seen: u32,
    activity: u64,
    /// A one-shot entry that has reported.
    spent: bool,
}

#[derive(Default)]
pub(crate) struct Epoll {
    entries: Vec<Interest>,
}

impl Interest {
    /// The events this entry's file has ready and its activity count
    /// (`None`: the file is gone, or busy as a nested epoll polling itself
    /// would be).
    fn ready(&self, ctx: &PollCtx) -> Option<(u32, u64)> {
        let file = self.file.upgrade()?;
        let file = file.try_borrow().ok()?;
        let ev = u32::from(file.poll(ctx));
        let activity = file.activity(self.events as u16);
        Some((ev & (self.events | u32::from(POLLERR | POLLHUP)), activity))
    }

    /// What to report of `ready`: everything for a level-triggered entry;
    /// for an edge-triggered one, only if something is newly ready or the
    /// file saw new activity since the last check.
    fn report(&self, (ready, activity): (u32, u64)) -> u32 {
        let fresh = ready & !self.seen != 0 || activity != self.activity;
        if self.events & EPOLLET == 0 || fresh {
            ready
        } else {
            0
        }
    }

    fn wake_at(&self) -> Option<u64> {
        let file = self.file.upgrade()?;
        let at = file.try_borrow().ok()?.wake_at();
        at
    }
}

impl Epoll {
    /// `epoll_ctl`. `file` is what `fd` refers to now.
    pub fn ctl(
        &mut self,
        op: u32,
        fd: u32,
        file: &FileRef,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        self.entries.retain(|e| e.file.strong_count() > 0);
        let at = self
            .entries
            .iter()
            .position(|e| e.fd == fd && std::ptr::eq(e.file.as_ptr(), Rc::as_ptr(file)));
        match (op, at) {
            (EPOLL_CTL_ADD, Some(_)) => Err(Errno::EEXIST),
            (EPOLL_CTL_ADD, None) => {
                self.entries.push(Interest {
                    fd,
                    file: Rc::downgrade(file),
                    events: events & !(EPOLLWAKEUP | EPOLLEXCLUSIVE),
                    data,
                    seen: 0,
                    activity: 0,
                    spent: false,
                });
                Ok(())
            }
            (EPOLL_CTL_MOD, Some(i)) => {
                let e = &mut self.entries[i];
                if events & EPOLLEXCLUSIVE != 0 {
                    return Err(Errno::EINVAL);
                }
                e.events = events & !EPOLLWAKEUP;
                e.data = data;
                e.seen = 0;
                e.activity = 0;
                e.spent = false;
                Ok(())
            }
            (EPOLL_CTL_DEL, Some(i)) => {
                self.entries.remove(i);
                Ok(())
            }
            (EPOLL_CTL_MOD | EPOLL_CTL_DEL, None) => Err(Errno::ENOENT),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Takes up to `max` ready events as (events, data).
    pub fn collect(&mut self, ctx: &PollCtx, max: usize) -> Vec<(u32, u64)> {
        self.entries.retain(|e| e.file.strong_count() > 0);
        let mut out = Vec::new();
        let mut requeue = Vec::new();
        for (i, e) in self.entries.iter_mut().enumerate() {
            if out.len() == max {
                break;
            }
            if e.spent {
                continue;
            }
            let Some(state) = e.ready(ctx) else { continue };
            let report = e.report(state);
            (e.seen, e.activity) = state;
            if report == 0 {
                continue;
            }
            out.push((report, e.data));
            if e.events & EPOLLONESHOT != 0 {
                e.spent = true;
            } else if e.events & EPOLLET == 0 {
                requeue.push(i);
            }
        }
        if !requeue.is_empty() {
            let (moved, stay): (Vec<_>, Vec<_>) = std::mem::take(&mut self.entries)
                .into_iter()
                .enumerate()
                .partition(|(i, _)| requeue.binary_search(i).is_ok());
            self.entries = stay.into_iter().chain(moved).map(|(_, e)| e).collect();
        }
        out
    }

    /// The earliest time a watched file may become ready by itself.
    pub fn wake_at(&self) -> Option<u64> {
        self.entries.iter().filter_map(Interest::wake_at).min()
    }
}

impl SpecialFile for Epoll {
    fn poll(&self, ctx: &PollCtx) -> u16 {
        let any = self
            .entries
            .iter()
            .any(|e| !e.spent && e.ready(ctx).is_some_and(|r| e.report(r) != 0));
        if any {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn wake_at(&self) -> Option<u64> {
        Epoll::wake_at(self)
    }

    fn stat(&self) -> Stat {
        anon_stat()
    }

    fn link(&self) -> String {
        "anon_inode:[eventpoll]".into()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::abi::fcntl::O_RDONLY;
    use crate::vfs::{Console, FileKind, Pipe};

    /// A pipe's read end as an open file, and its write end.
    fn pipe() -> (FileRef, super::super::pipe::PipeEnd) {
        let (r, w) = Pipe::pair(1);
        let file = Rc::new(RefCell::new(OpenFile::new(FileKind::Pipe(r), O_RDONLY)));
        (file, w)
    }

    fn tags(ep: &mut Epoll, max: usize) -> Vec<u64> {
        let console = Console::new([false; 3]);
        let ctx = PollCtx {
            console: &console,
            now: 0,
            pending: 0,
        };
        ep.collect(&ctx, max).into_iter().map(|(_, d)| d).collect()
    }

    #[test]
    fn level_edge_oneshot_and_closing() {
        let mut ep = Epoll::default();
        let (a, wa) = pipe();
        let (b, wb) = pipe();
        let (c, wc) = pipe();
        let pollin = u32::from(POLLIN);
        ep.ctl(EPOLL_CTL_ADD, 3, &a, pollin, 1).unwrap();
        ep.ctl(EPOLL_CTL_ADD, 4, &b, pollin | EPOLLET, 2).unwrap();
        ep.ctl(EPOLL_CTL_ADD, 5, &c, pollin | EPOLLONESHOT, 3)
            .unwrap();
        assert_eq!(ep.ctl(EPOLL_CTL_ADD, 3, &a, pollin, 1), Err(Errno::EEXIST));
        assert_eq!(tags(&mut ep, 8), Vec::<u64>::new());
        for w in [&wa, &wb, &wc] {
            w.write(b"x", false).unwrap();
        }
        assert_eq!(tags(&mut ep, 8), vec![1, 2, 3]);
        // Level stays, edge and one-shot do not; new data is a new edge.
        assert_eq!(tags(&mut ep, 8), vec![1]);
        // (The level entry went to the back of the list.)
        wb.write(b"y", false).unwrap();
        assert_eq!(tags(&mut ep, 8), vec![2, 1]);
        ep.ctl(EPOLL_CTL_MOD, 5, &c, pollin, 3).unwrap();
        // Reported level entries move to the back, in order, so a small
        // `maxevents` reaches every ready entry in turn.
        assert_eq!(tags(&mut ep, 2), vec![3, 1]);
        assert_eq!(tags(&mut ep, 1), vec![3]);
        assert_eq!(tags(&mut ep, 1), vec![1]);
        drop(a);
        assert_eq!(tags(&mut ep, 8), vec![3]);
        assert_eq!(ep.ctl(EPOLL_CTL_DEL, 3, &c, 0, 0), Err(Errno::ENOENT));
    }
}

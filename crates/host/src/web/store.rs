//! [`IdbStore`]: the overlay's [`BlockStore`] in the browser, kept in
//! IndexedDB by the worker's JavaScript.
//!
//! Blocks live in memory here; JavaScript restores them from IndexedDB
//! before the VM starts ([`IdbStore::restore`]) and persists them. A `put`
//! is queued on the JavaScript side ([`DiskHost::put`]); `flush` asks it to
//! write every queued block in one IndexedDB transaction
//! ([`DiskHost::commit`]) and answers `Pending` until that transaction has
//! completed ([`CommitLink::committed`]). One transaction per commit is
//! what makes the commit atomic: IndexedDB applies all of it or none.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use tabvm_disk::{BlockStore, Completion, DiskError};

use super::js::DiskHost;

/// An overlay store persisted in IndexedDB; see the module doc.
pub struct IdbStore {
    blocks: HashMap<u64, Vec<u8>>,
    host: DiskHost,
    /// Puts so far; each commit request names the count it covers.
    puts: u64,
    /// The count of the commit last requested.
    requested: u64,
    link: CommitLink,
}

impl IdbStore {
    /// An empty store persisting through `host`, and the link that tells it
    /// how its commits went.
    pub fn new(host: DiskHost) -> (IdbStore, CommitLink) {
        let link = CommitLink::default();
        let store = IdbStore {
            blocks: HashMap::new(),
            host,
            puts: 0,
            requested: 0,
            link: link.clone(),
        };
        (store, link)
    }

    /// Takes block `n` as read back from IndexedDB (before the VM starts).
    pub fn restore(&mut self, n: u64, data: &[u8]) -> Result<(), String> {
        if data.len() != tabvm_disk::dev::overlay::BLOCK {
            return Err(format!(
                "stored block {n} has {} bytes, not {}",
                data.len(),
                tabvm_disk::dev::overlay::BLOCK
            ));
        }
        self.blocks.insert(n, data.to_vec());
        Ok(())
    }
}

impl BlockStore for IdbStore {
    fn get(&self, n: u64) -> Option<&[u8]> {
        self.blocks.get(&n).map(Vec::as_slice)
    }

    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError> {
        self.blocks.insert(n, data.to_vec());
        // Block numbers of any device under 2^53 bytes are exact in an f64.
        self.host.put(n as f64, data);
        self.puts += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        let state = self.link.0.borrow().clone();
        if let Some(what) = state.failed {
            return Err(DiskError::Io {
                what: format!("IndexedDB commit of overlay blocks: {what}"),
            });
        }
        if state.committed >= self.puts {
            return Ok(Completion::Done);
        }
        if self.requested < self.puts {
            self.requested = self.puts;
            self.host.commit(self.puts as f64);
        }
        Ok(Completion::Pending)
    }

    fn len(&self) -> usize {
        self.blocks.len()
    }
}

/// How the store's commits went, as JavaScript reports it.
#[derive(Clone, Default)]
pub struct CommitLink(Rc<RefCell<CommitState>>);

#[derive(Clone, Default)]
struct CommitState {
    /// The count of puts the last completed commit covers.
    committed: u64,
    /// Why a commit failed; every later flush fails with it.
    failed: Option<String>,
}

impl CommitLink {
    /// The commit requested with `puts` has completed.
    pub fn committed(&self, puts: u64) {
        let mut state = self.0.borrow_mut();
        state.committed = state.committed.max(puts);
    }

    /// A commit failed (quota, a closed database).
    pub fn failed(&self, what: String) {
        self.0.borrow_mut().failed = Some(what);
    }
}

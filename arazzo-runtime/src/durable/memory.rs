//! [`MemoryStore`]: the runs in a map, for tests.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::{Store, StoreFuture};

/// A [`Store`] in memory, for tests: it does not survive the process. Clones share the runs.
#[derive(Clone, Default)]
pub struct MemoryStore {
    runs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The run ids that have a checkpoint, sorted.
    pub fn runs(&self) -> Vec<String> {
        let mut runs: Vec<String> = self.lock().keys().cloned().collect();
        runs.sort();
        runs
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // A panic elsewhere while the lock was held leaves the map whole: keep using it.
        self.runs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("runs", &self.runs())
            .finish()
    }
}

impl Store for MemoryStore {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        self.lock().insert(run_id.to_owned(), checkpoint.to_vec());
        Box::pin(std::future::ready(Ok(())))
    }

    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let checkpoint = self.lock().get(run_id).cloned();
        Box::pin(std::future::ready(Ok(checkpoint)))
    }

    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()> {
        self.lock().remove(run_id);
        Box::pin(std::future::ready(Ok(())))
    }
}

//! Durable runs: a workflow generated with `durable = true` saves its state after every step
//! that completes, so that a run stopped by a crash, a deploy or a person who has not typed the
//! code yet continues later, in this process or another, from where it stopped.
//!
//! A run's state is plain data: the generated `State` type of each workflow (the inputs given so
//! far, the outputs of the steps that completed, the next step, the retry counts). It never holds
//! a credential: those stay on the `Client`. This module holds what every durable workflow
//! shares:
//!
//! - [`Store`]: where states are kept, by run id. [`FileStore`] (one JSON file per run, replaced
//!   atomically) and [`MemoryStore`] (for tests) ship here; a store over SQLite is behind the
//!   `sqlite` feature.
//! - [`Outcome`]: how a durable run ends when it does not fail: `Completed` with the workflow's
//!   outputs, or `Suspended` with its state when a step needs an input the run was not given.
//! - [`save`] and [`load`]: the checkpoint format, a small envelope that names the workflow and
//!   the version of its document, so that a state written by another version of the workflow is
//!   refused ([`Error::StateVersion`]) and never misread.
//!
//! **At least once.** The state is saved after a step completes and before the next request is
//! sent. A step whose request was in flight when the process died has no checkpoint, so a resumed
//! run sends it again: each step runs at least once, and steps before the last checkpoint never
//! run again. A document makes a repeated request safe the way HTTP APIs do: an input such as
//! `idempotencyKey`, filled by the caller from the run id, mapped to the API's idempotency header.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A future that a [`Store`] returns: boxed, so that a store can be a trait object.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where the states of durable runs are kept, by run id.
///
/// A run id is the caller's: any string of 1 to 200 ASCII letters, digits, `-`, `_` and `.`
/// that does not start with `.` ([`check_run_id`]); stores may rely on that.
pub trait Store: Send + Sync {
    /// Saves the checkpoint of run `run_id`, replacing the one saved before. When this returns
    /// `Ok`, the checkpoint survives a crash of the process.
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()>;

    /// The last checkpoint saved for run `run_id`, or `None` if there is none.
    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Forgets run `run_id`. Deleting a run that has no checkpoint is not an error.
    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()>;
}

/// Why a [`Store`] could not save, load or delete a checkpoint.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error with this message and no underlying cause.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error with this message, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

/// How a durable run ended, when it did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<O, S> {
    /// Every step ran: the workflow's outputs. The run's checkpoint is deleted.
    Completed(O),
    /// A step needs an input the run was not given. The state names the inputs it waits for
    /// (`State::waiting_for`) and is also saved in the store; continue with the generated
    /// `resume_with`.
    Suspended(S),
}

impl<O, S> Outcome<O, S> {
    /// The outputs, if the run completed.
    pub fn completed(self) -> Option<O> {
        match self {
            Self::Completed(outputs) => Some(outputs),
            Self::Suspended(_) => None,
        }
    }

    /// The state, if the run is suspended.
    pub fn suspended(self) -> Option<S> {
        match self {
            Self::Suspended(state) => Some(state),
            Self::Completed(_) => None,
        }
    }
}

/// Checks that `run_id` can name a run: 1 to 200 ASCII letters, digits, `-`, `_` and `.`, not
/// starting with `.`. Generated code checks it before the first request of a run.
pub fn check_run_id(workflow: &'static str, run_id: &str) -> Result<(), Error> {
    let valid = !run_id.is_empty()
        && run_id.len() <= 200
        && !run_id.starts_with('.')
        && run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::RunId {
            workflow,
            run_id: run_id.escape_debug().to_string(),
        })
    }
}

/// The checkpoint as stored: the workflow, its document's version, and the state.
#[derive(Serialize)]
struct Envelope<'a, S> {
    workflow: &'a str,
    version: &'a str,
    state: &'a S,
}

/// A checkpoint as read back, before its version is checked.
#[derive(Deserialize)]
struct StoredEnvelope {
    workflow: String,
    version: String,
    state: serde_json::Value,
}

/// Saves `state` as the checkpoint of run `run_id` of `workflow`, whose document has version
/// `version` (a hash the generator computed). `step` is the step that just completed, for the
/// error.
pub async fn save<S: Serialize>(
    store: &dyn Store,
    run_id: &str,
    workflow: &'static str,
    version: &'static str,
    step: Option<&'static str>,
    state: &S,
) -> Result<(), Error> {
    let envelope = Envelope {
        workflow,
        version,
        state,
    };
    let bytes = serde_json::to_vec(&envelope).map_err(|error| Error::Checkpoint {
        workflow,
        run_id: run_id.to_owned(),
        step,
        source: StoreError::with_source("the state could not be written as JSON", error),
    })?;
    store
        .save(run_id, &bytes)
        .await
        .map_err(|source| Error::Checkpoint {
            workflow,
            run_id: run_id.to_owned(),
            step,
            source,
        })
}

/// Loads the checkpoint of run `run_id` of `workflow`: [`Error::NoSuchRun`] when there is none,
/// [`Error::StateVersion`] when it was saved by another version of the document (or for another
/// workflow), [`Error::Checkpoint`] when the store fails or the state does not read.
pub async fn load<S: DeserializeOwned>(
    store: &dyn Store,
    run_id: &str,
    workflow: &'static str,
    version: &'static str,
) -> Result<S, Error> {
    let checkpoint_error = |source| Error::Checkpoint {
        workflow,
        run_id: run_id.to_owned(),
        step: None,
        source,
    };
    let bytes = store
        .load(run_id)
        .await
        .map_err(checkpoint_error)?
        .ok_or_else(|| Error::NoSuchRun {
            workflow,
            run_id: run_id.to_owned(),
        })?;
    let envelope: StoredEnvelope = serde_json::from_slice(&bytes).map_err(|error| {
        checkpoint_error(StoreError::with_source(
            "the checkpoint is not one this crate wrote",
            error,
        ))
    })?;
    if envelope.workflow != workflow || envelope.version != version {
        return Err(Error::StateVersion {
            workflow,
            run_id: run_id.to_owned(),
            expected: version,
            found: format!("{} {}", envelope.workflow, envelope.version),
        });
    }
    serde_path_to_error::deserialize(envelope.state).map_err(|error| {
        checkpoint_error(StoreError::new(format!(
            "the state does not read at `{}`: {}",
            error.path(),
            error.inner()
        )))
    })
}

/// Deletes the checkpoint of run `run_id` of `workflow`, which completed: the generated code
/// calls it after the last step. [`Error::Checkpoint`] when the store fails.
pub async fn finish(store: &dyn Store, run_id: &str, workflow: &'static str) -> Result<(), Error> {
    store
        .delete(run_id)
        .await
        .map_err(|source| Error::Checkpoint {
            workflow,
            run_id: run_id.to_owned(),
            step: None,
            source,
        })
}

/// A [`Store`] that keeps one JSON file per run in a directory: `<run id>.json`.
///
/// A save writes a temporary file beside it, flushes it to disk (`fsync`), and renames it over
/// the run's file, then flushes the directory; so a crash in the middle of a save leaves the
/// previous checkpoint whole. Two processes must not drive the same run at once.
#[derive(Clone, Debug)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir`, which is created (with its parents) on the first save.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory the checkpoints are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }
}

static TEMPORARY: AtomicU64 = AtomicU64::new(0);

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("run"),
        std::process::id(),
        TEMPORARY.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    // The rename is durable once the directory is: flush it where the platform allows.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

async fn blocking<T: Send + 'static>(
    what: String,
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|error| StoreError::with_source(what, error)),
        Err(error) => Err(StoreError::with_source(what, error)),
    }
}

impl Store for FileStore {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        let dir = self.dir.clone();
        let path = self.path(run_id);
        let bytes = checkpoint.to_vec();
        Box::pin(blocking(
            format!("could not write {}", path.display()),
            move || write_atomically(&dir, &path, &bytes),
        ))
    }

    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let path = self.path(run_id);
        Box::pin(blocking(
            format!("could not read {}", path.display()),
            move || match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            },
        ))
    }

    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()> {
        let path = self.path(run_id);
        Box::pin(blocking(
            format!("could not delete {}", path.display()),
            move || match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            },
        ))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct State {
        next: String,
    }

    fn state() -> State {
        State {
            next: "second".to_owned(),
        }
    }

    #[tokio::test]
    async fn a_saved_state_loads_back() {
        let store = MemoryStore::new();
        save(&store, "run-1", "wf", "v1", Some("first"), &state())
            .await
            .expect("store");
        let loaded: State = load(&store, "run-1", "wf", "v1").await.expect("store");
        assert_eq!(loaded, state());
    }

    #[tokio::test]
    async fn a_state_of_another_version_is_refused_naming_both() {
        let store = MemoryStore::new();
        save(&store, "run-1", "wf", "v1", None, &state())
            .await
            .expect("store");
        let error = load::<State>(&store, "run-1", "wf", "v2")
            .await
            .expect_err("an error");
        let message = error.to_string();
        assert!(
            message.contains("v1") && message.contains("v2"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn an_unknown_run_is_named() {
        let error = load::<State>(&MemoryStore::new(), "nope", "wf", "v1")
            .await
            .expect_err("an error");
        assert!(matches!(error, Error::NoSuchRun { .. }), "{error:?}");
    }

    #[test]
    fn run_ids_that_are_not_file_names_are_refused() {
        for bad in ["", ".hidden", "a/b", "../x", "a b", &"x".repeat(201)] {
            assert!(check_run_id("wf", bad).is_err(), "{bad:?}");
        }
        assert!(check_run_id("wf", "order-17_a.b").is_ok());
    }

    #[tokio::test]
    async fn the_file_store_replaces_and_deletes() {
        let dir = std::env::temp_dir().join(format!("arazzo-file-store-{}", std::process::id()));
        let store = FileStore::new(&dir);
        assert_eq!(store.load("run-1").await.expect("store"), None);
        store.save("run-1", b"one").await.expect("store");
        store.save("run-1", b"two").await.expect("store");
        assert_eq!(
            store.load("run-1").await.expect("store"),
            Some(b"two".to_vec())
        );
        let leftovers = std::fs::read_dir(&dir).expect("store").count();
        assert_eq!(leftovers, 1, "no temporary file is left beside the run's");
        store.delete("run-1").await.expect("store");
        store.delete("run-1").await.expect("store");
        assert_eq!(store.load("run-1").await.expect("store"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! [`SqliteStore`]: the checkpoints in one table of an SQLite database (feature `sqlite`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _};

use super::{Store, StoreError, StoreFuture};

/// The table, named so that it can sit in an application's own database.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS arazzo_checkpoints (
    run_id TEXT PRIMARY KEY NOT NULL,
    checkpoint BLOB NOT NULL,
    updated_at TEXT NOT NULL
)";

const SAVE: &str = "INSERT INTO arazzo_checkpoints (run_id, checkpoint, updated_at)
    VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (run_id) DO UPDATE
    SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at";

const LOAD: &str = "SELECT checkpoint FROM arazzo_checkpoints WHERE run_id = ?1";

const DELETE: &str = "DELETE FROM arazzo_checkpoints WHERE run_id = ?1";

/// How long a statement waits for another process that holds the database's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Store`] in an SQLite database file: one row per run in the table `arazzo_checkpoints`
/// (`run_id TEXT PRIMARY KEY`, `checkpoint BLOB`, `updated_at TEXT`, an ISO 8601 UTC time),
/// created if it is not there. The database may be the application's own.
///
/// The database is in WAL mode with `synchronous = FULL`: a save is one transaction whose
/// commit is flushed to disk (`fsync`) before it returns, so a saved checkpoint survives a crash
/// of the process and of the machine; a crash in the middle of a save leaves the checkpoint
/// before it. Readers do not wait for a writer. WAL needs the database on a local disk (not a
/// network file system): the `-wal` and `-shm` files beside it are SQLite's.
///
/// Many processes may open the same file, one after another or at once (a writer waits up to 10
/// seconds for another's lock); as with every store, two processes must not drive the same run
/// at once. Clones share one connection; every call runs on tokio's blocking threads.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (or creates, with its parent directories) the database at `path`, and its table.
    ///
    /// This blocks on the disk for a moment: call it at start-up, or in `spawn_blocking`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let failed =
            |error| StoreError::with_source(format!("could not open {}", path.display()), error);
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|error| {
                StoreError::with_source(format!("could not create {}", parent.display()), error)
            })?;
        }
        let connection = Connection::open(path).map_err(failed)?;
        Self::prepare(connection, Some(path.to_owned())).map_err(failed)
    }

    /// A database in memory, for tests: it does not survive the process. Clones share it.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Connection::open_in_memory()
            .and_then(|connection| Self::prepare(connection, None))
            .map_err(|error| {
                StoreError::with_source("could not open an SQLite database in memory", error)
            })
    }

    /// The database file, or `None` for a database in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(connection: Connection, path: Option<PathBuf>) -> rusqlite::Result<Self> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // WAL where the file system allows it (a database in memory stays `memory`, and a file
        // system without shared memory keeps the rollback journal: both are still durable with
        // `synchronous = FULL`).
        let _mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute(CREATE_TABLE, [])?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            path,
        })
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => "the SQLite database in memory".to_owned(),
        }
    }

    /// Runs `work` with the connection on tokio's blocking threads.
    fn with_connection<'a, T: Send + 'static>(
        &'a self,
        what: String,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'a, T> {
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            let done = tokio::task::spawn_blocking(move || {
                // A panic elsewhere while the lock was held leaves no transaction open (every
                // statement commits on its own): keep using the connection.
                let connection = connection
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                work(&connection)
            })
            .await;
            match done {
                Ok(result) => result.map_err(|error| StoreError::with_source(what, error)),
                Err(error) => Err(StoreError::with_source(what, error)),
            }
        })
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store for SqliteStore {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        let run_id = run_id.to_owned();
        let checkpoint = checkpoint.to_vec();
        self.with_connection(
            format!("could not save run {run_id} in {}", self.describe()),
            move |connection| connection.execute(SAVE, (&run_id, &checkpoint)).map(drop),
        )
    }

    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let run_id = run_id.to_owned();
        self.with_connection(
            format!("could not load run {run_id} from {}", self.describe()),
            move |connection| {
                connection
                    .query_row(LOAD, [&run_id], |row| row.get(0))
                    .optional()
            },
        )
    }

    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()> {
        let run_id = run_id.to_owned();
        self.with_connection(
            format!("could not delete run {run_id} from {}", self.describe()),
            move |connection| connection.execute(DELETE, [&run_id]).map(drop),
        )
    }
}

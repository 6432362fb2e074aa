//! [`FileStore`]: one JSON file per run in a directory, replaced atomically.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Store, StoreFuture, blocking};

/// A [`Store`] that keeps one file per run in a directory: `<run id>.json`, holding the
/// checkpoint's bytes as they were given (the JSON envelope that [`save`](super::save) writes).
///
/// A save writes a temporary file beside it (`.<run id>.json.<process>.<n>.tmp`: hidden, and
/// never a run's name, since a run id does not start with `.`), flushes it to disk (`fsync`),
/// renames it over the run's file, then flushes the directory. So the run's file always holds one
/// whole checkpoint: the one before a save that a crash interrupted, or the one after; never a
/// mix. A process killed in the middle of a save may leave its temporary file behind: loads
/// never read it, and the first save or delete of that run through a `FileStore` of another
/// process (such as the one that resumes the run) removes it.
///
/// Two processes must not drive the same run at once (a run is resumed by one process); different
/// runs may be saved from many tasks and processes at once.
#[derive(Clone, Debug)]
pub struct FileStore {
    dir: PathBuf,
    /// The runs whose stale temporary files this store (and its clones) already looked for:
    /// once per run is enough, since only a killed process leaves them.
    swept: Arc<Mutex<HashSet<String>>>,
}

impl FileStore {
    /// A store in `dir`, which is created (with its parents) on the first save.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            swept: Arc::default(),
        }
    }

    /// Whether stale temporary files of `run_id` are still to be looked for, marking them looked
    /// for (`forget` unmarks: the run is deleted).
    fn sweep(&self, run_id: &str, forget: bool) -> bool {
        let mut swept = self
            .swept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if forget {
            swept.remove(run_id);
            true
        } else {
            swept.insert(run_id.to_owned())
        }
    }

    /// The directory the checkpoints are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, run_id: &str) -> PathBuf {
        self.dir.join(file_name(run_id))
    }
}

fn file_name(run_id: &str) -> String {
    format!("{run_id}.json")
}

/// What names this process in its temporary files: its id and the time it first saved, so that a
/// later process that happens to get the same id (a container's first process) still tells its
/// own temporary files from those a killed process left.
fn process_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        format!("{}-{started}", std::process::id())
    })
}

static TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// The process token of `name` if it is a temporary file of run file `file`
/// (`.<file>.<token>.<n>.tmp`), exactly: a run id may hold dots, so another run's temporary
/// file (`.<file>.x.json.<token>.<n>.tmp`) must not match.
fn temporary_token<'a>(name: &'a str, file: &str) -> Option<&'a str> {
    let rest = name
        .strip_prefix('.')?
        .strip_prefix(file)?
        .strip_prefix('.')?;
    let rest = rest.strip_suffix(".tmp")?;
    let (token, counter) = rest.split_once('.')?;
    let (pid, started) = token.split_once('-')?;
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(started) && digits(counter)).then_some(token)
}

/// Removes the temporary files of run file `file` that another process left (it was killed in
/// the middle of a save). The temporary files of this process are its saves in flight.
fn remove_stale_temporaries(dir: &Path, file: &str) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(token) = name.to_str().and_then(|name| temporary_token(name, file)) else {
            continue;
        };
        if token != process_token() {
            match std::fs::remove_file(entry.path()) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
    }
    Ok(())
}

fn write_atomically(dir: &Path, file: &str, bytes: &[u8], sweep: bool) -> std::io::Result<()> {
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)?;
        // The new directory's own entry is durable once its parent is.
        if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    if sweep {
        remove_stale_temporaries(dir, file)?;
    }
    let path = dir.join(file);
    let temporary = dir.join(format!(
        ".{file}.{}.{}.tmp",
        process_token(),
        TEMPORARY.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut temporary_file = std::fs::File::create(&temporary)?;
        temporary_file.write_all(bytes)?;
        temporary_file.sync_all()?;
        std::fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    sync_dir(dir)
}

/// Makes a rename or a removal in `dir` durable, where the platform allows.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove(dir: &Path, file: &str) -> std::io::Result<()> {
    remove_stale_temporaries(dir, file)?;
    match std::fs::remove_file(dir.join(file)) {
        Ok(()) => sync_dir(dir),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

impl Store for FileStore {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        let dir = self.dir.clone();
        let file = file_name(run_id);
        let bytes = checkpoint.to_vec();
        let sweep = self.sweep(run_id, false);
        Box::pin(blocking(
            format!("could not write {}", self.path(run_id).display()),
            move || write_atomically(&dir, &file, &bytes, sweep),
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
        let dir = self.dir.clone();
        let file = file_name(run_id);
        self.sweep(run_id, true);
        Box::pin(blocking(
            format!("could not delete {}", self.path(run_id).display()),
            move || remove(&dir, &file),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_runs_temporary_files_are_its_own() {
        assert_eq!(
            temporary_token(".r.json.12-345.6.tmp", "r.json"),
            Some("12-345")
        );
        for other in [
            "r.json",
            ".r.json.tmp",
            ".r.json.12.6.tmp",
            ".r.json.12-345.6.tmp.x",
            ".r.json.x.json.12-345.6.tmp",
            ".r.json.12-345.json.12-345.6.tmp",
            ".rr.json.12-345.6.tmp",
        ] {
            assert_eq!(temporary_token(other, "r.json"), None, "{other}");
        }
    }

    #[tokio::test]
    async fn a_temporary_file_left_by_a_killed_process_is_ignored_then_removed() {
        let dir =
            std::env::temp_dir().join(format!("arazzo-file-store-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = FileStore::new(&dir);
        store.save("run-1", b"whole").await.expect("store");
        let stale = dir.join(".run-1.json.1-2.0.tmp");
        let other_run = dir.join(".run-1.json.x.json.1-2.0.tmp");
        std::fs::write(&stale, b"torn").expect("write");
        std::fs::write(&other_run, b"another run's").expect("write");
        assert_eq!(
            store.load("run-1").await.expect("store"),
            Some(b"whole".to_vec())
        );
        // The process that resumes the run has a store of its own.
        let resumed = FileStore::new(&dir);
        resumed.save("run-1", b"next").await.expect("store");
        assert!(!stale.exists(), "the first save removes it");
        assert!(other_run.exists(), "another run's temporary file is left");
        std::fs::write(&stale, b"torn").expect("write");
        FileStore::new(&dir).delete("run-1").await.expect("store");
        assert!(!stale.exists(), "a delete removes it too");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! A store's checkpoint survives `kill -9`: a child process (this test binary, run again with
//! `CHILD` set) saves checkpoints of one run in a tight loop, printing `saved <n>` after each
//! save that returned; the test kills it at some point in the middle of a save, then checks that
//! the run loads as one whole checkpoint the child wrote, never a torn one, and no older than the
//! last save the child reported. Several rounds, each a new process, kill at different moments.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arazzo_runtime::durable::{FileStore, Store};
use support::Scratch;

/// Set in the child: `<store kind> <path> <first checkpoint number>`.
const CHILD: &str = "ARAZZO_STORE_CRASH_CHILD";
const RUN: &str = "crash-run";
const ROUNDS: u64 = 8;

/// Checkpoint `n`: a header naming it, a body of a few hundred KiB that depends on `n` (so a
/// save takes a while and a torn one shows), and a trailer.
fn checkpoint(n: u64) -> Vec<u8> {
    let body = 256 * 1024 + (n % 7) as usize * 37 * 1024;
    let mut bytes = format!("checkpoint {n:012}\n").into_bytes();
    bytes.extend((0..body).map(|k| ((n.wrapping_mul(31) + k as u64) % 251) as u8));
    bytes.extend(format!("\nend of {n}\n").into_bytes());
    bytes
}

/// The number of `bytes`, which must be exactly one whole checkpoint.
fn whole_checkpoint(bytes: &[u8]) -> u64 {
    let header = bytes.get(..24).expect("at least a header");
    let n: u64 = std::str::from_utf8(header)
        .ok()
        .and_then(|header| header.strip_prefix("checkpoint "))
        .and_then(|number| number.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("not a checkpoint's header: {header:?}"));
    assert!(
        bytes == checkpoint(n).as_slice(),
        "checkpoint {n} is torn: {} bytes, {} expected",
        bytes.len(),
        checkpoint(n).len()
    );
    n
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn open(kind: &str, path: &Path) -> Box<dyn Store> {
    match kind {
        "file" => Box::new(FileStore::new(path)),
        #[cfg(feature = "sqlite")]
        "sqlite" => Box::new(arazzo_runtime::durable::SqliteStore::open(path).expect("opens")),
        other => panic!("no store {other}"),
    }
}

/// In the child: saves checkpoints from `first` on until killed (or, should the test be gone,
/// for a minute at most).
fn child(spec: &str) {
    let mut parts = spec.splitn(3, ' ');
    let (kind, first, path) = (
        parts.next().expect("a kind"),
        parts
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .expect("a number"),
        Path::new(parts.next().expect("a path")),
    );
    let store = open(kind, path);
    let started = Instant::now();
    runtime().block_on(async {
        let mut stdout = std::io::stdout().lock();
        let mut next = checkpoint(first);
        for n in first.. {
            store.save(RUN, &next).await.expect("the child saves");
            // The next checkpoint is made before saying so: once the test reads the line, the
            // child is in the middle of its next save.
            next = checkpoint(n + 1);
            writeln!(stdout, "saved {n}")
                .and_then(|()| stdout.flush())
                .expect("stdout");
            if started.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
    });
}

/// Starts a child saving from checkpoint `first` into the store `kind` at `path`.
fn spawn_child(test: &str, kind: &str, path: &Path, first: u64) -> Child {
    Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{kind} {first} {}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts")
}

/// The rounds: each child is killed after a number of reported saves that grows with the round,
/// plus a pause of 0 to 7 ms, so the kill lands at different points of a save (writing,
/// flushing, renaming or committing).
/// While the child writes, the test also reads the run now and then: a reader never sees a torn
/// checkpoint either.
fn kill_in_the_middle_of_saves(test: &str, kind: &str, path: &Path) {
    let runtime = runtime();
    for round in 0..ROUNDS {
        let first = round * 1_000_000;
        let mut child = spawn_child(test, kind, path, first);
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let kill_after = 3 + round * 4;
        let mut last_saved = None;
        for line in stdout.lines() {
            let line = line.expect("the child's output");
            let Some(n) = line.strip_prefix("saved ") else {
                continue; // the test harness's own lines
            };
            let n: u64 = n.parse().expect("a number");
            last_saved = Some(n);
            if n % 4 == 1 {
                let reader = open(kind, path);
                let loaded = runtime.block_on(reader.load(RUN)).expect("loads");
                let seen = whole_checkpoint(&loaded.expect("a checkpoint"));
                assert!(seen >= n, "a reader sees {seen} after {n} was saved");
            }
            if n - first >= kill_after {
                std::thread::sleep(Duration::from_micros(1000 * round));
                break;
            }
        }
        let last_saved =
            last_saved.unwrap_or_else(|| panic!("round {round}: the child saved nothing"));
        child.kill().expect("kill -9");
        let status = child.wait().expect("the child ends");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(
                status.signal(),
                Some(9),
                "round {round}: killed, {status:?}"
            );
        }
        #[cfg(not(unix))]
        assert!(!status.success(), "round {round}: killed, {status:?}");

        let store = open(kind, path);
        let loaded = runtime
            .block_on(store.load(RUN))
            .expect("loads after the crash");
        let n = whole_checkpoint(&loaded.expect("a checkpoint after the crash"));
        assert!(
            n >= last_saved,
            "round {round}: checkpoint {last_saved} was saved, {n} loads"
        );
        if kind == "file" {
            // The child of this round swept what the child before it left: one at most is here.
            let stale = temporary_files(path);
            assert!(stale.len() <= 1, "round {round}: {stale:?}");
        }
        eprintln!(
            "{kind} round {round}: killed after save {last_saved} returned; checkpoint {n} loads whole{}",
            stale_note(kind, path)
        );
    }
}

/// For the file store: which temporary files the killed child left (loads ignore them).
fn stale_note(kind: &str, path: &Path) -> String {
    if kind != "file" {
        return String::new();
    }
    let stale = temporary_files(path);
    if stale.is_empty() {
        String::new()
    } else {
        format!("; stale temporary files ignored: {stale:?}")
    }
}

fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the store's directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != &format!("{RUN}.json"))
        .collect()
}

#[test]
fn a_file_store_checkpoint_survives_kill_9() {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let scratch = Scratch::new("file-store-crash");
    let dir = scratch.path().join("runs");
    kill_in_the_middle_of_saves("a_file_store_checkpoint_survives_kill_9", "file", &dir);
    // The process that resumes the run saves it again: what a killed save left goes.
    let store = FileStore::new(&dir);
    runtime()
        .block_on(store.save(RUN, &checkpoint(u64::MAX / 2)))
        .expect("saves");
    assert_eq!(temporary_files(&dir), Vec::<String>::new());
}

#[cfg(feature = "sqlite")]
#[test]
fn an_sqlite_store_checkpoint_survives_kill_9() {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let scratch = Scratch::new("sqlite-store-crash");
    let path = scratch.path().join("runs.sqlite3");
    kill_in_the_middle_of_saves(
        "an_sqlite_store_checkpoint_survives_kill_9",
        "sqlite",
        &path,
    );
}

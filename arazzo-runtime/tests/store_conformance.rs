//! One suite for every [`Store`]: each case runs against `FileStore`, `MemoryStore` and (with the
//! `sqlite` feature) `SqliteStore`, so the stores keep one contract.

mod support;

use std::sync::Arc;

use arazzo_runtime::durable::{self, FileStore, MemoryStore, Store};
use serde::{Deserialize, Serialize};
use support::Scratch;

/// `n` bytes that are not all alike (and not UTF-8), so that a store that mangles, truncates or
/// shifts them is caught.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

async fn load(store: &dyn Store, run_id: &str) -> Option<Vec<u8>> {
    store.load(run_id).await.expect("the store loads")
}

async fn save(store: &dyn Store, run_id: &str, checkpoint: &[u8]) {
    store
        .save(run_id, checkpoint)
        .await
        .expect("the store saves");
}

async fn delete(store: &dyn Store, run_id: &str) {
    store.delete(run_id).await.expect("the store deletes");
}

/// The cases, each against a fresh store.
mod cases {
    use super::*;

    pub(crate) async fn an_absent_run_loads_none_and_deletes(store: &dyn Store) {
        assert_eq!(load(store, "never-saved").await, None);
        delete(store, "never-saved").await;
        assert_eq!(load(store, "never-saved").await, None);
    }

    pub(crate) async fn a_saved_checkpoint_loads_back_byte_for_byte(store: &dyn Store) {
        let checkpoint = [b"{\"x\":1}\0\xff\xfe".as_slice(), &bytes(1, 100)].concat();
        save(store, "run-1", &checkpoint).await;
        assert_eq!(load(store, "run-1").await, Some(checkpoint.clone()));
        assert_eq!(
            load(store, "run-1").await,
            Some(checkpoint),
            "a load keeps it"
        );
        save(store, "empty", b"").await;
        assert_eq!(load(store, "empty").await, Some(Vec::new()));
    }

    pub(crate) async fn a_save_replaces_the_last_checkpoint(store: &dyn Store) {
        save(store, "run-1", &bytes(1, 5000)).await;
        save(store, "run-1", b"shorter").await;
        assert_eq!(load(store, "run-1").await, Some(b"shorter".to_vec()));
        save(store, "run-1", &bytes(2, 7000)).await;
        assert_eq!(load(store, "run-1").await, Some(bytes(2, 7000)));
    }

    pub(crate) async fn a_deleted_run_is_gone_and_can_start_again(store: &dyn Store) {
        save(store, "run-1", b"one").await;
        delete(store, "run-1").await;
        assert_eq!(load(store, "run-1").await, None);
        delete(store, "run-1").await;
        save(store, "run-1", b"again").await;
        assert_eq!(load(store, "run-1").await, Some(b"again".to_vec()));
    }

    pub(crate) async fn runs_are_kept_apart(store: &dyn Store) {
        // Ids that are prefixes of each other or hold dots: a file store must not confuse them.
        let long = "x".repeat(200);
        let ids = [
            "a",
            "a.json",
            "a.json.tmp",
            "A",
            "a-b_c.d",
            "0",
            long.as_str(),
        ];
        for (n, id) in ids.iter().enumerate() {
            save(store, id, format!("checkpoint of {n}").as_bytes()).await;
        }
        delete(store, "a.json").await;
        for (n, id) in ids.iter().enumerate() {
            let expected = (*id != "a.json").then(|| format!("checkpoint of {n}").into_bytes());
            assert_eq!(load(store, id).await, expected, "{id}");
        }
    }

    pub(crate) async fn a_large_checkpoint_is_kept_whole(store: &dyn Store) {
        let large = bytes(7, 8 * 1024 * 1024 + 3);
        save(store, "large", &large).await;
        assert!(load(store, "large").await == Some(large.clone()));
        save(store, "large", &large[..1024]).await;
        assert!(load(store, "large").await.as_deref() == Some(&large[..1024]));
    }

    pub(crate) async fn many_runs_are_kept(store: &dyn Store) {
        for n in 0..300 {
            save(store, &format!("run-{n}"), &bytes(n, 200 + n as usize)).await;
        }
        for n in (0..300).step_by(2) {
            delete(store, &format!("run-{n}")).await;
        }
        for n in 0..300 {
            let expected = (n % 2 == 1).then(|| bytes(n, 200 + n as usize));
            assert_eq!(load(store, &format!("run-{n}")).await, expected, "run-{n}");
        }
    }

    pub(crate) async fn concurrent_saves_of_different_runs_keep_each_last(store: Arc<dyn Store>) {
        let mut tasks = tokio::task::JoinSet::new();
        for run in 0..24_u64 {
            let store = Arc::clone(&store);
            tasks.spawn(async move {
                let run_id = format!("run-{run}");
                for save in 0..8_u64 {
                    let checkpoint = bytes(run * 100 + save, 4096 + save as usize);
                    store.save(&run_id, &checkpoint).await.expect("saves");
                    let loaded = store.load(&run_id).await.expect("loads");
                    assert_eq!(loaded, Some(checkpoint), "{run_id} reads its own save");
                }
            });
        }
        while let Some(task) = tasks.join_next().await {
            task.expect("a task finishes");
        }
        for run in 0..24_u64 {
            let last = bytes(run * 100 + 7, 4096 + 7);
            assert_eq!(load(&*store, &format!("run-{run}")).await, Some(last));
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct State {
        next: String,
        done: Vec<String>,
    }

    pub(crate) async fn a_state_goes_through_the_envelope(store: &dyn Store) {
        let state = State {
            next: "getSession".to_owned(),
            done: vec!["sendSmsOtp".to_owned()],
        };
        durable::save(store, "run-1", "wf", "v1", Some("sendSmsOtp"), &state)
            .await
            .expect("saves");
        let loaded: State = durable::load(store, "run-1", "wf", "v1")
            .await
            .expect("loads");
        assert_eq!(loaded, state);
        let error = durable::load::<State>(store, "run-1", "wf", "v2")
            .await
            .expect_err("another version is refused");
        assert!(
            matches!(error, arazzo_runtime::Error::StateVersion { .. }),
            "{error:?}"
        );
    }
}

/// Runs every case against the stores that `$open` makes: an expression of `(store, guard)`,
/// where `guard` keeps the store's files until the case ends.
macro_rules! conformance {
    ($name:ident, $open:expr) => {
        mod $name {
            use super::*;

            conformance!(@cases $open;
                an_absent_run_loads_none_and_deletes,
                a_saved_checkpoint_loads_back_byte_for_byte,
                a_save_replaces_the_last_checkpoint,
                a_deleted_run_is_gone_and_can_start_again,
                runs_are_kept_apart,
                a_large_checkpoint_is_kept_whole,
                many_runs_are_kept,
                a_state_goes_through_the_envelope,
            );

            #[tokio::test]
            async fn concurrent_saves_of_different_runs_keep_each_last() {
                let (store, _guard) = $open;
                cases::concurrent_saves_of_different_runs_keep_each_last(Arc::new(store)).await;
            }
        }
    };
    (@cases $open:expr; $($case:ident,)*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (store, _guard) = $open;
                cases::$case(&store).await;
            }
        )*
    };
}

conformance!(memory_store, (MemoryStore::new(), ()));

conformance!(file_store, {
    let scratch = Scratch::new("file-store");
    (FileStore::new(scratch.path().join("runs")), scratch)
});

#[cfg(feature = "sqlite")]
conformance!(sqlite_store, {
    let scratch = Scratch::new("sqlite-store");
    let store = durable::SqliteStore::open(scratch.path().join("runs.sqlite3")).expect("opens");
    (store, scratch)
});

#[cfg(feature = "sqlite")]
conformance!(
    sqlite_store_in_memory,
    (durable::SqliteStore::open_in_memory().expect("opens"), ())
);

/// A store that keeps its runs on disk: a second store opened on the same place (as another
/// process would) sees what the first saved, and the first sees what the second deleted.
async fn reopened_stores_share_the_runs(first: &dyn Store, second: &dyn Store) {
    save(first, "run-1", b"from the first").await;
    save(first, "run-2", b"also").await;
    assert_eq!(
        load(second, "run-1").await,
        Some(b"from the first".to_vec())
    );
    save(second, "run-1", b"from the second").await;
    delete(second, "run-2").await;
    assert_eq!(
        load(first, "run-1").await,
        Some(b"from the second".to_vec())
    );
    assert_eq!(load(first, "run-2").await, None);
}

#[tokio::test]
async fn file_stores_on_one_directory_share_the_runs() {
    let scratch = Scratch::new("file-store-reopen");
    let dir = scratch.path().join("runs");
    reopened_stores_share_the_runs(&FileStore::new(&dir), &FileStore::new(&dir)).await;
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("the directory")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(names, ["run-1.json"], "one file per run, no temporary file");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_stores_on_one_file_share_the_runs() {
    let scratch = Scratch::new("sqlite-store-reopen");
    let path = scratch.path().join("nested").join("runs.sqlite3");
    let first = durable::SqliteStore::open(&path).expect("opens, creating the directory");
    let second = durable::SqliteStore::open(&path).expect("opens again");
    reopened_stores_share_the_runs(&first, &second).await;
    drop((first, second));
    let third = durable::SqliteStore::open(&path).expect("opens after both closed");
    assert_eq!(
        load(&third, "run-1").await,
        Some(b"from the second".to_vec())
    );
    assert_eq!(third.path(), Some(path.as_path()));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn two_sqlite_connections_save_different_runs_at_once() {
    let scratch = Scratch::new("sqlite-store-two");
    let path = scratch.path().join("runs.sqlite3");
    let stores: Vec<Arc<dyn Store>> = vec![
        Arc::new(durable::SqliteStore::open(&path).expect("opens")),
        Arc::new(durable::SqliteStore::open(&path).expect("opens")),
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for (n, store) in stores.iter().enumerate() {
        let store = Arc::clone(store);
        tasks.spawn(async move {
            for save in 0..50_u64 {
                let checkpoint = bytes(save, 2000);
                store
                    .save(&format!("run-{n}"), &checkpoint)
                    .await
                    .expect("saves");
            }
        });
    }
    while let Some(task) = tasks.join_next().await {
        task.expect("a task finishes");
    }
    for n in 0..2 {
        assert_eq!(
            load(&*stores[1 - n], &format!("run-{n}")).await,
            Some(bytes(49, 2000))
        );
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn an_sqlite_store_that_cannot_open_says_where() {
    let scratch = Scratch::new("sqlite-store-bad");
    let not_a_database = scratch.path().join("not-a-database");
    std::fs::write(&not_a_database, vec![b'x'; 4096]).expect("writes");
    let error = durable::SqliteStore::open(&not_a_database).expect_err("refused");
    assert!(error.to_string().contains("not-a-database"), "{error}");
    assert!(
        std::error::Error::source(&error).is_some(),
        "the cause is kept"
    );
}

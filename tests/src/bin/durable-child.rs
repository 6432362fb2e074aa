//! The process that `tests/tests/durable_crash.rs` starts, crashes (`kill -9`) and starts again:
//! the workflows of `fixtures/durable/`, generated with `durable = true`, run against the
//! parent's server with their state in a file store or an SQLite database.
//!
//! ```text
//! durable-child <linear|retry> <base url> <file:DIR | sqlite:PATH> <run id> <start|resume> [block-after N]
//! durable-child <linear|retry> version
//! ```
//!
//! It prints one line per event on stdout, each flushed at once, for the parent to read:
//!
//! - `checkpoint N`: the run's Nth checkpoint is saved (the store returned `Ok`). With
//!   `block-after N`, the child then stops there: it prints `blocking` and sleeps until the parent
//!   kills it (after a minute on its own it exits with status 3, so that a parent that died does
//!   not leave it behind). The next request of the run is never sent.
//! - `completed {…}`: the run completed; its outputs as JSON. Exit status 0.
//! - `suspended a,b`: the run waits for these inputs. Exit status 0.
//! - `error Variant: message`: the run failed with this `arazzo_runtime::Error`. Exit status 1.
//! - `version V`: the version of the workflow's document (with `version`).
//!
//! Each checkpoint as saved is written to stderr, for the parent's failure messages.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arazzo_runtime::Error;
use arazzo_runtime::durable::{FileStore, Outcome, Store, StoreFuture};

mod linear {
    arazzo_macros::arazzo_workflow!("fixtures/durable/linear.arazzo.yaml", durable = true);
}

mod retry {
    arazzo_macros::arazzo_workflow!("fixtures/durable/retry.arazzo.yaml", durable = true);
}

/// What the parent asked for.
struct Command {
    workflow: String,
    base_url: String,
    store: String,
    run_id: String,
    action: String,
    block_after: Option<usize>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [workflow, version] = args.as_slice()
        && version == "version"
    {
        let version = match workflow.as_str() {
            "linear" => linear::place_order::VERSION,
            "retry" => retry::place_order_retrying::VERSION,
            other => usage(&format!("no workflow `{other}`")),
        };
        say(&format!("version {version}"));
        return;
    }
    let command = match args.as_slice() {
        [workflow, base_url, store, run_id, action, rest @ ..] => Command {
            workflow: workflow.clone(),
            base_url: base_url.clone(),
            store: store.clone(),
            run_id: run_id.clone(),
            action: action.clone(),
            block_after: match rest {
                [] => None,
                [flag, n] if flag == "block-after" => {
                    Some(n.parse().unwrap_or_else(|_| usage("block-after N")))
                }
                _ => usage("unexpected arguments after the action"),
            },
        },
        _ => usage("too few arguments"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| fail(&format!("no Tokio runtime: {error}")));
    let code = runtime.block_on(run(&command));
    std::process::exit(code);
}

async fn run(command: &Command) -> i32 {
    let inner = open_store(&command.store);
    let store = Crashing {
        inner,
        saves: AtomicUsize::new(0),
        block_after: command.block_after,
    };
    let result = match command.workflow.as_str() {
        "linear" => run_linear(command, &store).await,
        "retry" => run_retry(command, &store).await,
        other => usage(&format!("no workflow `{other}`")),
    };
    match result {
        Ok(line) => {
            say(&line);
            0
        }
        Err(error) => {
            say(&format!("error {}: {error}", variant(&error)));
            1
        }
    }
}

async fn run_linear(command: &Command, store: &dyn Store) -> Result<String, Error> {
    use linear::place_order;
    let client = linear::Client::builder()
        .orders(command.base_url.as_str())
        .build();
    let outcome = match command.action.as_str() {
        "start" => {
            let inputs = place_order::Inputs {
                item: "book".to_owned(),
                idempotency_key: command.run_id.clone(),
            };
            place_order::start(&client, &command.run_id, inputs.into(), store).await?
        }
        "resume" => place_order::resume(&client, &command.run_id, store).await?,
        other => usage(&format!("no action `{other}`")),
    };
    Ok(match outcome {
        Outcome::Completed(outputs) => format!("completed {}", json(&outputs)),
        Outcome::Suspended(state) => format!("suspended {}", state.waiting_for().join(",")),
    })
}

async fn run_retry(command: &Command, store: &dyn Store) -> Result<String, Error> {
    use retry::place_order_retrying;
    let client = retry::Client::builder()
        .orders(command.base_url.as_str())
        .build();
    let outcome = match command.action.as_str() {
        "start" => {
            let inputs = place_order_retrying::Inputs {
                item: "book".to_owned(),
                idempotency_key: command.run_id.clone(),
            };
            place_order_retrying::start(&client, &command.run_id, inputs.into(), store).await?
        }
        "resume" => place_order_retrying::resume(&client, &command.run_id, store).await?,
        other => usage(&format!("no action `{other}`")),
    };
    Ok(match outcome {
        Outcome::Completed(outputs) => format!("completed {}", json(&outputs)),
        Outcome::Suspended(state) => format!("suspended {}", state.waiting_for().join(",")),
    })
}

/// `file:DIR` or `sqlite:PATH`.
fn open_store(spec: &str) -> Box<dyn Store> {
    if let Some(dir) = spec.strip_prefix("file:") {
        Box::new(FileStore::new(dir))
    } else if let Some(path) = spec.strip_prefix("sqlite:") {
        match arazzo_runtime::durable::SqliteStore::open(path) {
            Ok(store) => Box::new(store),
            Err(error) => fail(&format!("cannot open {path}: {error}")),
        }
    } else {
        usage("the store is file:DIR or sqlite:PATH")
    }
}

/// A store that says when each checkpoint is saved and, after the one the parent named, stops
/// the process dead (until the parent's SIGKILL), so that the crash lands at a known point.
struct Crashing {
    inner: Box<dyn Store>,
    saves: AtomicUsize,
    block_after: Option<usize>,
}

impl Store for Crashing {
    fn save<'a>(&'a self, run_id: &'a str, checkpoint: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.inner.save(run_id, checkpoint).await?;
            let n = self.saves.fetch_add(1, Ordering::SeqCst) + 1;
            eprintln!("checkpoint {n}: {}", String::from_utf8_lossy(checkpoint));
            say(&format!("checkpoint {n}"));
            if self.block_after == Some(n) {
                say("blocking");
                // Blocks the only thread of the runtime: nothing else of the run happens.
                std::thread::sleep(Duration::from_secs(60));
                eprintln!("durable-child: not killed within a minute");
                std::process::exit(3);
            }
            Ok(())
        })
    }

    fn load<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.inner.load(run_id)
    }

    fn delete<'a>(&'a self, run_id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.inner.delete(run_id).await?;
            say("deleted");
            Ok(())
        })
    }
}

/// The name of the error's variant, for the parent to match on.
fn variant(error: &Error) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn json(value: &impl arazzo_runtime::serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| fail(&format!("outputs: {error}")))
}

/// Prints one line on stdout and flushes it, so that the parent sees it before a kill.
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // The parent reading stdout is the point of this process: without it there is nothing to do.
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(4);
    }
}

fn usage(problem: &str) -> ! {
    fail(&format!(
        "{problem}\nusage: durable-child <linear|retry> <base url> <file:DIR | sqlite:PATH> <run id> <start|resume> [block-after N]\n       durable-child <linear|retry> version"
    ))
}

fn fail(message: &str) -> ! {
    eprintln!("durable-child: {message}");
    std::process::exit(2);
}

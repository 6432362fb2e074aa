//! Real message brokers for tests, started on 127.0.0.1 with a free port and stopped when
//! dropped: Mosquitto (MQTT), nats-server (NATS) and tansu (Kafka, in-memory storage).
//!
//! ```ignore
//! #[path = "support/brokers.rs"]
//! mod brokers;
//!
//! let Some(broker) = brokers::Broker::start(brokers::Kind::Nats) else { return };
//! let transport = broker.transport(); // Arc<dyn arazzo_runtime::transport::Transport>
//! ```
//!
//! A broker's program is found through an environment variable (`ARAZZO_MOSQUITTO`,
//! `ARAZZO_NATS_SERVER`, `ARAZZO_TANSU`: a path), else on `PATH`, in `/usr/sbin`, and for tansu
//! in `$HOME/.cache/arazzo-tools/bin` (where `.ci/run` installs it). When it is absent,
//! [`Broker::start`] prints a notice and returns `None` so that the test can skip, unless
//! `ARAZZO_REQUIRE_BROKERS=1` (CI sets it): then it panics.

#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arazzo_runtime::transport::Transport;

/// A kind of broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Mosquitto, MQTT 5.
    Mosquitto,
    /// nats-server.
    Nats,
    /// tansu, a Kafka-compatible broker, with in-memory storage.
    Tansu,
}

impl Kind {
    /// Every kind, for tests that run over each broker.
    pub const ALL: [Kind; 3] = [Kind::Mosquitto, Kind::Nats, Kind::Tansu];

    /// The AsyncAPI `protocol` this broker speaks.
    pub fn protocol(self) -> &'static str {
        match self {
            Kind::Mosquitto => "mqtt",
            Kind::Nats => "nats",
            Kind::Tansu => "kafka",
        }
    }

    fn program(self) -> &'static str {
        match self {
            Kind::Mosquitto => "mosquitto",
            Kind::Nats => "nats-server",
            Kind::Tansu => "tansu",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            Kind::Mosquitto => "ARAZZO_MOSQUITTO",
            Kind::Nats => "ARAZZO_NATS_SERVER",
            Kind::Tansu => "ARAZZO_TANSU",
        }
    }

    fn arguments(self, port: u16) -> Vec<String> {
        let url = format!("tcp://127.0.0.1:{port}");
        match self {
            Kind::Mosquitto => vec!["-p".into(), port.to_string()],
            Kind::Nats => vec![
                "-a".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
            ],
            Kind::Tansu => vec![
                "broker".into(),
                "--listener-url".into(),
                url.clone(),
                "--advertised-listener-url".into(),
                url,
                "--storage-engine".into(),
                "memory://tansu/".into(),
            ],
        }
    }

    /// The broker's program, if it is installed.
    fn find(self) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(self.variable()) {
            let path = PathBuf::from(path);
            return path.is_file().then_some(path);
        }
        let mut folders: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default();
        folders.push("/usr/sbin".into());
        folders.push("/usr/local/sbin".into());
        if let Some(home) = std::env::var_os("HOME") {
            folders.push(PathBuf::from(home).join(".cache/arazzo-tools/bin"));
        }
        folders
            .into_iter()
            .map(|folder| folder.join(self.program()))
            .find(|path| path.is_file())
    }
}

/// Whether a missing broker fails the test (`ARAZZO_REQUIRE_BROKERS=1`) instead of skipping it.
pub fn required() -> bool {
    std::env::var("ARAZZO_REQUIRE_BROKERS").is_ok_and(|value| value == "1")
}

/// A running broker, stopped when dropped.
#[derive(Debug)]
pub struct Broker {
    kind: Kind,
    port: u16,
    child: Child,
    log: PathBuf,
}

impl Broker {
    /// Starts a broker of `kind` on 127.0.0.1 and a free port, and waits until it accepts
    /// connections. `None` (after a notice) when its program is not installed and brokers are
    /// not required.
    ///
    /// # Panics
    /// When the program is missing and `ARAZZO_REQUIRE_BROKERS=1`, or when the broker does not
    /// start.
    pub fn start(kind: Kind) -> Option<Broker> {
        let Some(program) = kind.find() else {
            let notice = format!(
                "{} is not installed (set {} to its path, or see README, \"Transports\")",
                kind.program(),
                kind.variable()
            );
            assert!(!required(), "ARAZZO_REQUIRE_BROKERS=1 but {notice}");
            eprintln!("skipped: {notice}");
            return None;
        };
        let port = free_port();
        // The broker's log goes to a file (a pipe nobody reads could fill and stop it), read
        // back when it fails to start.
        let log = std::env::temp_dir().join(format!("arazzo-{}-{port}.log", kind.program()));
        let output = std::fs::File::create(&log)
            .unwrap_or_else(|error| panic!("could not create {}: {error}", log.display()));
        let child = Command::new(&program)
            .args(kind.arguments(port))
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("a second handle on the log"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|error| panic!("could not start {}: {error}", program.display()));
        let mut broker = Broker {
            kind,
            port,
            child,
            log,
        };
        broker.wait_until_ready();
        Some(broker)
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "{} exited ({status}) before it was ready: {log}",
                    self.kind.program()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not accept connections on 127.0.0.1:{} in 20 s",
                self.kind.program(),
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What kind of broker it is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its `host:port`, as an AsyncAPI server's `host`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A transport to it, built by [`arazzo_runtime::transport::for_server`] from its protocol
    /// and host, as a generated `ClientBuilder` builds one.
    pub fn transport(&self) -> Arc<dyn Transport> {
        arazzo_runtime::transport::for_server(self.kind.protocol(), &self.host())
            .expect("the tests crate enables every transport feature")
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A port that nothing listens on now (the OS picks it; the broker binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

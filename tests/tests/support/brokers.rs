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
//! [`Broker::start_with`] starts one that asks clients to log in ([`Auth`]): Mosquitto with a
//! password file made by `mosquitto_passwd` and `allow_anonymous false`, nats-server with
//! `--user`/`--pass` or `--auth`, tansu with `--authentication` (SASL; tansu 0.6 takes any
//! PLAIN password, and checks SCRAM against users made with `tansu user create`, which cannot
//! be run once authentication is on, so no SCRAM login succeeds).
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

    /// The program's arguments, given its login (`config`: where a config file may go).
    fn arguments(self, port: u16, auth: Auth, config: &std::path::Path) -> Vec<String> {
        let url = format!("tcp://127.0.0.1:{port}");
        match (self, auth) {
            (Kind::Mosquitto, Auth::None) => vec!["-p".into(), port.to_string()],
            (Kind::Mosquitto, _) => {
                mosquitto_config(port, auth, config);
                vec!["-c".into(), config.display().to_string()]
            }
            (Kind::Nats, _) => {
                let mut arguments = vec![
                    "-a".into(),
                    "127.0.0.1".into(),
                    "-p".into(),
                    port.to_string(),
                ];
                match auth {
                    Auth::None => {}
                    Auth::UserPassword(user, password) => {
                        arguments.extend(["--user".into(), user.into()]);
                        arguments.extend(["--pass".into(), password.into()]);
                    }
                    Auth::Token(token) => arguments.extend(["--auth".into(), token.into()]),
                }
                arguments
            }
            (Kind::Tansu, _) => {
                let mut arguments: Vec<String> = vec![
                    "broker".into(),
                    "--listener-url".into(),
                    url.clone(),
                    "--advertised-listener-url".into(),
                    url,
                    "--storage-engine".into(),
                    "memory://tansu/".into(),
                ];
                if auth != Auth::None {
                    arguments.push("--authentication".into());
                }
                arguments
            }
        }
    }
}

/// Writes Mosquitto's configuration for `auth` to `config`, and its password file beside it.
fn mosquitto_config(port: u16, auth: Auth, config: &std::path::Path) {
    let Auth::UserPassword(user, password) = auth else {
        panic!("Mosquitto logs in with a user name and password only, not {auth:?}");
    };
    let passwords = config.with_extension("passwd");
    let program = find_program("mosquitto_passwd", "ARAZZO_MOSQUITTO_PASSWD")
        .expect("mosquitto_passwd, which the mosquitto package installs beside mosquitto");
    let made = Command::new(program)
        .args(["-b", "-c"])
        .arg(&passwords)
        .args([user, password])
        .status()
        .expect("mosquitto_passwd runs");
    assert!(made.success(), "mosquitto_passwd failed: {made}");
    let text = format!(
        "listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\n",
        passwords.display()
    );
    std::fs::write(config, text).expect("the Mosquitto configuration is written");
}

impl Kind {
    /// The broker's program, if it is installed.
    fn find(self) -> Option<PathBuf> {
        find_program(self.program(), self.variable())
    }
}

/// The program `name`: the path in the environment variable `variable` when it is set, else the
/// first found on `PATH`, in `/usr/sbin`, `/usr/local/sbin` and `$HOME/.cache/arazzo-tools/bin`.
fn find_program(name: &str, variable: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let mut folders: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    folders.push("/usr/bin".into());
    folders.push("/usr/sbin".into());
    folders.push("/usr/local/sbin".into());
    if let Some(home) = std::env::var_os("HOME") {
        folders.push(PathBuf::from(home).join(".cache/arazzo-tools/bin"));
    }
    folders
        .into_iter()
        .map(|folder| folder.join(name))
        .find(|path| path.is_file())
}

/// What a broker asks its clients to log in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Nothing: anyone connects.
    None,
    /// A user name and password (Mosquitto, nats-server; tansu: SASL, see the module's doc).
    UserPassword(&'static str, &'static str),
    /// A token (nats-server only).
    Token(&'static str),
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
    /// Where its configuration (and password file) go, when it has any.
    config: PathBuf,
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
        Self::start_with(kind, Auth::None)
    }

    /// As [`Broker::start`], asking clients to log in with `auth`.
    ///
    /// # Panics
    /// As [`Broker::start`]; also when `kind` cannot ask for `auth` (a token on Mosquitto).
    pub fn start_with(kind: Kind, auth: Auth) -> Option<Broker> {
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
        let config = std::env::temp_dir().join(format!("arazzo-{}-{port}.conf", kind.program()));
        let child = Command::new(&program)
            .args(kind.arguments(port, auth, &config))
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
            config,
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

    /// A transport to it that logs in with `credentials`, built by
    /// [`arazzo_runtime::transport::for_server_with`].
    pub fn transport_with(
        &self,
        credentials: arazzo_runtime::transport::Credentials,
    ) -> Arc<dyn Transport> {
        let options = arazzo_runtime::transport::Options::new().with_credentials(credentials);
        arazzo_runtime::transport::for_server_with(self.kind.protocol(), &self.host(), &options)
            .expect("the tests crate enables every transport feature")
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(&self.config);
        let _ = std::fs::remove_file(self.config.with_extension("passwd"));
    }
}

/// A port that nothing listens on now (the OS picks it; the broker binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

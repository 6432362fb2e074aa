//! What the benchmarks share: a minimal Stytch-like HTTP/1.1 server on 127.0.0.1 (the two
//! responses of the seed workflow, keep-alive, on its own thread and runtime, so that it never
//! shares a thread with the client being measured), the path to the shared test data, and a
//! paired timing loop that reports ratios.
//!
//! The server is hand-written on tokio rather than wiremock so that what it costs is small and
//! steady: it matches two paths, checks the credentials and the `method_id`, and writes a fixed
//! body. `bench/peers.sh` runs the same server as the `stytch-server` binary.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// The user the server knows.
pub const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";
/// The phone number method of that user: what `login_or_create` returns and `authenticate`
/// expects as its `method_id`.
pub const PHONE_ID: &str = "phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0";

/// The body of `POST /v1/otps/sms/login_or_create`.
pub const LOGIN_OR_CREATE: &str = concat!(
    r#"{"status_code":200,"request_id":"request-id-test-b05c992f-ebdc-489d-a754-c7e70ba13141","#,
    r#""user_id":"user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6","#,
    r#""phone_id":"phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0","user_created":false}"#
);

/// The body of `POST /v1/otps/authenticate`.
pub const AUTHENTICATE: &str = concat!(
    r#"{"status_code":200,"request_id":"request-id-test-b05c992f-ebdc-489d-a754-c7e70ba13141","#,
    r#""user_id":"user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6","#,
    r#""method_id":"phone-number-test-d5a3b680-e8a3-40c0-b815-ab79986666d0","#,
    r#""session_token":"mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q","#,
    r#""session_jwt":"eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0In0.eyJzdWIiOiJ1c2VyLXRlc3QifQ.c2ln","#,
    r#""reset_sessions":false,"user":{"user_id":"user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6","#,
    r#""status":"active","emails":[],"phone_numbers":[],"webauthn_registrations":[],"providers":[],"#,
    r#""totps":[],"crypto_wallets":[],"biometric_registrations":[],"is_locked":false,"roles":[]}}"#
);

/// Starts the server on `127.0.0.1:port` (`0` for any free port) on a thread of its own, and
/// returns its address. It runs until the process ends. With `require_credentials`, a request
/// without an `Authorization` header gets a 401, as from Stytch.
///
/// # Errors
/// When the port cannot be bound or the thread's runtime cannot be built.
pub fn start(port: u16, require_credentials: bool) -> io::Result<SocketAddr> {
    start_padded(port, require_credentials, 0)
}

/// [`AUTHENTICATE`] with the `user` object padded by about `padding` bytes of members the
/// workflow does not read (`"unread": [{"id": …, "name": …, "verified": …, "count": …}, …]`,
/// strings, booleans and numbers, as a real user object has); as it is when `padding` is 0.
pub fn authenticate_padded(padding: usize) -> String {
    let Some(end) = AUTHENTICATE.strip_suffix("}}") else {
        return AUTHENTICATE.to_owned();
    };
    if padding == 0 {
        return AUTHENTICATE.to_owned();
    }
    let mut body = String::with_capacity(AUTHENTICATE.len() + padding + 128);
    body.push_str(end);
    body.push_str(",\"unread\":[");
    let start = body.len();
    let mut i = 0usize;
    while body.len() - start < padding {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "{{\"id\":\"unread-{i:08}-0000-4000-8000-000000000000\",\"name\":\"Member \\u00e9 {i}\",\"verified\":{},\"count\":{}}}",
            i.is_multiple_of(2),
            i * 7919
        ));
        i += 1;
    }
    body.push_str("]}}");
    body
}

/// [`start`], answering `authenticate` with [`authenticate_padded`]`(padding)`.
///
/// # Errors
/// As [`start`].
pub fn start_padded(
    port: u16,
    require_credentials: bool,
    padding: usize,
) -> io::Result<SocketAddr> {
    // Built once and kept for the life of the process, as the server is.
    let authenticate: &'static str = Box::leak(authenticate_padded(padding).into_boxed_str());
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::Builder::new()
        .name("stytch-server".into())
        .spawn(move || runtime.block_on(serve(listener, require_credentials, authenticate)))?;
    Ok(address)
}

async fn serve(
    listener: TcpListener,
    require_credentials: bool,
    authenticate: &'static str,
) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            // A client that goes away mid-request is no concern of the server's.
            let _ = connection(stream, require_credentials, authenticate).await;
        });
    }
}

/// Serves the requests of one connection, one after another, until the client closes it.
async fn connection(
    stream: tokio::net::TcpStream,
    require_credentials: bool,
    authenticate: &'static str,
) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut length = 0;
        let mut authorized = !require_credentials;
        let mut close = false;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorized |= value.len() > "Basic ".len();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        body.resize(length, 0);
        stream.read_exact(&mut body).await?;
        let (status, response) = respond(&method, &path, authorized, &body, authenticate);
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            response.len()
        );
        let stream = stream.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(response.as_bytes()).await?;
        if close {
            return Ok(());
        }
    }
}

fn respond(
    method: &str,
    path: &str,
    authorized: bool,
    body: &[u8],
    authenticate: &'static str,
) -> (&'static str, &'static str) {
    const UNAUTHORIZED: &str = r#"{"status_code":401,"error_type":"unauthorized_credentials","error_message":"Unauthorized credentials."}"#;
    const NOT_FOUND: &str =
        r#"{"status_code":404,"error_type":"not_found","error_message":"Not found."}"#;
    const NO_PHONE: &str = r#"{"status_code":404,"error_type":"phone_number_not_found","error_message":"Phone Number could not be found."}"#;
    if method != "POST" {
        return ("404 Not Found", NOT_FOUND);
    }
    let contains = |needle: &str| body.windows(needle.len()).any(|w| w == needle.as_bytes());
    match path {
        _ if !authorized => ("401 Unauthorized", UNAUTHORIZED),
        "/v1/otps/sms/login_or_create" if contains("phone_number") => ("200 OK", LOGIN_OR_CREATE),
        "/v1/otps/authenticate" if contains(PHONE_ID) => ("200 OK", authenticate),
        "/v1/otps/authenticate" => ("404 Not Found", NO_PHONE),
        _ => ("404 Not Found", NOT_FOUND),
    }
}

/// The shared test data beside the checkout (`../shared`), when it is there.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs-upstream");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    dir.canonicalize().unwrap_or(dir)
}

/// Times of one side of a paired measurement.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Median wall time of one call.
    pub wall: Duration,
    /// Median time one call keeps the calling thread on a CPU.
    pub cpu: Duration,
}

/// What a paired measurement found.
#[derive(Clone, Copy, Debug)]
pub struct Paired {
    /// The first side.
    pub a: Sample,
    /// The second side.
    pub b: Sample,
    /// Median over rounds of `a`'s wall time over `b`'s in the same round.
    pub wall_ratio: f64,
    /// Median over rounds of `a`'s thread CPU time over `b`'s in the same round.
    pub cpu_ratio: f64,
}

/// Runs `a` and `b` in alternating rounds of `per_round` calls each (so that both see the same
/// machine, warm caches and the same noise), `rounds` times, and returns the median per-call
/// wall and thread CPU time of each, and the median of the per-round ratios (robust to a
/// machine whose load drifts). `a` and `b` are called once each before measuring.
pub fn paired(rounds: usize, per_round: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> Paired {
    a();
    b();
    let mut walls = [Vec::new(), Vec::new()];
    let mut cpus = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        for side in [round % 2, 1 - round % 2] {
            let cpu = cpu_time::ThreadTime::now();
            let wall = Instant::now();
            for _ in 0..per_round {
                if side == 0 {
                    a();
                } else {
                    b();
                }
            }
            walls[side].push(wall.elapsed() / per_round);
            cpus[side].push(cpu.elapsed() / per_round);
        }
    }
    fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
        values.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
        values[values.len() / 2]
    }
    let ratios =
        |[a, b]: &[Vec<Duration>; 2]| median(a.iter().zip(b).map(|(a, b)| ratio(*a, *b)).collect());
    Paired {
        wall_ratio: ratios(&walls),
        cpu_ratio: ratios(&cpus),
        a: Sample {
            wall: median(walls[0].clone()),
            cpu: median(cpus[0].clone()),
        },
        b: Sample {
            wall: median(walls[1].clone()),
            cpu: median(cpus[1].clone()),
        },
    }
}

/// `a / b`, for printing.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// The seed document, relative to the workspace root.
pub const SEED: &str = "specs/arazzo/stytch-sms-otp-login-workflow.yml";

/// What the generation benchmarks read, found in the shared test data.
#[derive(Debug)]
pub struct Stytch {
    /// The generator for the seed, its source mapped to the upstream consumer description.
    pub seed: arazzo_codegen::Generator,
    /// The files the seed generation reads.
    pub seed_files: Vec<PathBuf>,
    /// The 24 upstream Stytch workflows, sorted.
    pub workflows: Vec<PathBuf>,
    /// Every file the generations of those workflows read, each once.
    pub all_files: Vec<PathBuf>,
}

impl Stytch {
    /// Finds the files under the shared `specs-upstream` directory.
    ///
    /// # Errors
    /// When its `arazzo` directory cannot be listed.
    pub fn new(shared: &Path) -> io::Result<Self> {
        let consumer = shared.join("openapi/stytch-consumer-openapi.yml");
        let seed = arazzo_codegen::Generator::new(
            arazzo_codegen::Settings::new()
                .with_base_dir(workspace())
                .with_source("stytchConsumerApi", &consumer),
        );
        let mut workflows = Vec::new();
        for entry in std::fs::read_dir(shared.join("arazzo"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "yml") {
                workflows.push(path);
            }
        }
        workflows.sort();
        let mut all_files = workflows.clone();
        all_files.push(consumer.clone());
        all_files.push(shared.join("openapi/stytch-b2b-openapi.yml"));
        Ok(Self {
            seed,
            seed_files: vec![workspace().join(SEED), consumer],
            workflows,
            all_files,
        })
    }

    /// Generates the seed (tokens, as the macro does).
    ///
    /// # Errors
    /// The generator's diagnostics, rendered.
    pub fn generate_seed(&self) -> Result<arazzo_codegen::Generated, String> {
        self.seed.generate(SEED).map_err(|f| f.to_string())
    }

    /// Generates every workflow document with [`arazzo_codegen::Generator::generate_each`]
    /// (each file read and parsed once); returns how many generated.
    pub fn generate_all(&self) -> usize {
        let generator = arazzo_codegen::Generator::new(arazzo_codegen::Settings::new());
        let results = generator.generate_each(&self.workflows);
        std::hint::black_box(&results);
        results.iter().filter(|result| result.is_ok()).count()
    }

    /// Generates every workflow document with its own [`arazzo_codegen::Generator::generate`]
    /// (each reads and parses its description again); returns how many generated.
    pub fn generate_one_by_one(&self) -> usize {
        let generator = arazzo_codegen::Generator::new(arazzo_codegen::Settings::new());
        self.workflows
            .iter()
            .filter(|path| std::hint::black_box(generator.generate(path)).is_ok())
            .count()
    }
}

/// The floor: reads each file and parses it with `yaml-rust2` into its DOM, keeping every text
/// and DOM until all are parsed (as a generation keeps the files it read).
///
/// # Errors
/// When a file cannot be read or is not YAML.
pub fn parse(files: &[PathBuf]) -> Result<(), String> {
    let mut kept = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let yaml = yaml_rust2::YamlLoader::load_from_str(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        kept.push((text, yaml));
    }
    std::hint::black_box(&kept);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn padded_bodies_are_json_of_about_that_size() {
        for padding in [0, 1024, 102_400] {
            let body = super::authenticate_padded(padding);
            let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(value["user"]["user_id"], super::USER_ID);
            let extra = body.len() - super::AUTHENTICATE.len();
            assert!(
                extra >= padding && extra < padding + 200,
                "{padding}: {extra}"
            );
        }
    }
}

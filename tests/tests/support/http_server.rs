//! A hand-written HTTP/1.1 server on 127.0.0.1 for the runtime's HTTP tests (hand-written so
//! that a test sees the request target byte for byte and controls how a body is streamed).
//!
//! ```ignore
//! #[path = "support/http_server.rs"]
//! mod http_server;
//!
//! let server = http_server::Server::start(|seen| http_server::json(200, "{}")).await;
//! ```

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
pub enum Reply {
    /// A whole response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 200 with a chunked body of `total` bytes, written lazily in 64 KiB chunks.
    Stream { total: u64 },
    /// 200 that declares this `Content-Length` and sends nothing more.
    Declares(u64),
    /// Waits this long, then answers `{}`.
    Stall(Duration),
    /// Waits this long, then answers.
    Delayed(Duration, Box<Reply>),
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_owned(),
    }
}

/// A redirect to `location`.
pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("location".into(), location.to_owned())],
        body: String::new(),
    }
}

/// The base URL of a port on 127.0.0.1 that nothing listens on.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);
    url
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A loopback server: its base URL, every request it read, and how many body bytes it wrote.
pub struct Server {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    pub written: Arc<AtomicUsize>,
}

impl Server {
    /// Starts a server that answers each request with what `handler` says.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicUsize::new(0));
        let handler: Handler = Arc::new(handler);
        let (s, w) = (Arc::clone(&seen), Arc::clone(&written));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen, written) =
                    (Arc::clone(&handler), Arc::clone(&s), Arc::clone(&w));
                tokio::spawn(async move {
                    let _ = serve(stream, handler, seen, written).await;
                });
            }
        });
        Self { url, seen, written }
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// How many requests had a target starting with `path`.
    pub fn count(&self, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.target.starts_with(path))
            .count()
    }
}

/// Answers the requests of one connection until the client closes it.
async fn serve(
    stream: TcpStream,
    handler: Handler,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    while let Some(request) = read_request(&mut stream).await? {
        seen.lock().expect("not poisoned").push(request.clone());
        let mut reply = handler(&request);
        if let Reply::Delayed(wait, then) = reply {
            tokio::time::sleep(wait).await;
            reply = *then;
        }
        if !write_reply(stream.get_mut(), reply, &written).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// Reads one request; `None` when the client closed the connection.
async fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<Option<Seen>> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok(Some(Seen {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }))
}

/// Writes one reply; `false` when the connection is done with.
async fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    written: &AtomicUsize,
) -> std::io::Result<bool> {
    match reply {
        Reply::Delayed(..) => unreachable!("one level"),
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
        }
        Reply::Stall(wait) => {
            tokio::time::sleep(wait).await;
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
                .await?;
        }
        Reply::Declares(length) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            tokio::time::sleep(Duration::from_secs(5)).await;
            return Ok(false);
        }
        Reply::Stream { total } => write_stream(stream, total, written).await?,
    }
    Ok(true)
}

/// Writes 200 with a chunked body of `total` bytes in 64 KiB chunks, counting them in `written`.
async fn write_stream(
    stream: &mut TcpStream,
    total: u64,
    written: &AtomicUsize,
) -> std::io::Result<()> {
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        .await?;
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0_u64;
    while sent < total {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await?;
        stream.write_all(&chunk).await?;
        stream.write_all(b"\r\n").await?;
        sent += chunk.len() as u64;
        written.fetch_add(chunk.len(), Ordering::Relaxed);
    }
    stream.write_all(b"0\r\n\r\n").await
}

//! The server: hyper's HTTP/1 server on a tokio listener bound to 127.0.0.1:0.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::checks;
use super::{Answer, Fault, Operation, Request, Response, Violation};

/// A handler: what an operation answers instead of its default; `Err` when the request cannot
/// be read as the handler's typed request (a parameter or body that does not match its
/// schema), which the fake records as a [`Violation`] and answers `400`.
pub type Handler = Arc<dyn Fn(&Request) -> Result<Response, String> + Send + Sync>;

/// The fake server: one per `Fake`, stopped when dropped.
pub struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

struct Shared {
    operations: &'static [Operation],
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    handlers: Vec<Option<Handler>>,
    faults: Vec<VecDeque<Fault>>,
    requests: Vec<Request>,
    violations: Vec<Violation>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A handler that panicked poisons nothing the fake relies on.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server for these operations on 127.0.0.1, on a port the system picks.
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound, or outside a tokio runtime.
    pub async fn start(operations: &'static [Operation]) -> Self {
        #[allow(clippy::expect_used)]
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("the fake server binds a port on 127.0.0.1");
        #[allow(clippy::expect_used)]
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            operations,
            state: Mutex::new(State {
                handlers: vec![None; operations.len()],
                faults: vec![VecDeque::new(); operations.len()],
                ..State::default()
            }),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&serving);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { handle(&shared, request).await }
                    });
                    // A dropped connection (a fault, or a client that gave up) ends here.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { shared, addr, task }
    }

    /// The base URL of the source with this index: `http://127.0.0.1:<port>/<index>`.
    pub fn base_url(&self, source: usize) -> String {
        format!("http://{}/{source}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers the operation with this index with `handler` from now on.
    pub fn set_handler(&self, operation: usize, handler: Handler) {
        if let Some(slot) = self.shared.state().handlers.get_mut(operation) {
            *slot = Some(handler);
        }
    }

    /// Goes back to the default answer of the operation with this index.
    pub fn clear_handler(&self, operation: usize) {
        if let Some(slot) = self.shared.state().handlers.get_mut(operation) {
            *slot = None;
        }
    }

    /// Injects `fault` into the next `times` calls of the operation with this index (after
    /// the faults already queued).
    pub fn fault(&self, operation: usize, fault: Fault, times: usize) {
        if let Some(queue) = self.shared.state().faults.get_mut(operation) {
            queue.extend(std::iter::repeat_n(fault, times));
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.state().requests.clone()
    }

    /// Every request answered `400` because it breaks the description, in order.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.state().violations.clone()
    }

    /// The default answer of the operation with this index, as a response (an unsatisfiable
    /// one is a `500` saying so).
    pub fn default_response(&self, operation: usize) -> Response {
        self.shared
            .operations
            .get(operation)
            .map_or_else(|| Response::raw(404, "text/plain", ""), default_response)
    }
}

/// The body of an operation's default answer, as `T` (the type of its status's schema, which
/// the generator checked it is).
///
/// # Panics
/// When the body does not read as `T`, which the generator rules out.
pub fn default_body<T: serde::de::DeserializeOwned>(operation: &Operation) -> T {
    let body = match operation.default {
        Answer::Json { body, .. } => body,
        Answer::Unsatisfiable(_) => "null",
    };
    serde_json::from_str(body).unwrap_or_else(|error| {
        panic!(
            "the default body of step `{}` reads as its type: {error}",
            operation.step
        )
    })
}

/// The default answer of an operation (an unsatisfiable one is a `500` saying so).
pub fn default_response(operation: &Operation) -> Response {
    match operation.default {
        Answer::Json {
            status,
            body,
            headers,
        } => {
            let mut response = if body.is_empty() {
                Response {
                    status,
                    headers: Vec::new(),
                    body: Vec::new(),
                }
            } else {
                Response::raw(status, "application/json", body)
            };
            for (name, value) in headers {
                response = response.with_header(name, value);
            }
            response
        }
        Answer::Unsatisfiable(message) => Response::json(
            500,
            &serde_json::json!({ "error": "fake: no handler", "message": message }),
        ),
    }
}

const MAX_BODY: usize = 16 << 20;

async fn read_body(mut body: Incoming) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() > MAX_BODY {
                break;
            }
        }
    }
    bytes
}

/// The fault kind that ends a connection: the service's error makes hyper close it.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake: connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<FakeBody>, Dropped> {
    let method = request.method().as_str().to_owned();
    let full_path = request.uri().path().to_owned();
    let query = request.uri().query().map(checks::pairs).unwrap_or_default();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let raw = read_body(request.into_body()).await;
    let raw_body = String::from_utf8_lossy(&raw).into_owned();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str());
    let body = checks::decode_body(content_type, &raw_body);

    // `/<source>/<path>`: the source's index, then the operation's path.
    let (source, path) = full_path
        .trim_start_matches('/')
        .split_once('/')
        .map_or((full_path.trim_start_matches('/'), ""), |(s, p)| (s, p));
    let path = format!("/{path}");
    let found = source.parse::<usize>().ok().and_then(|source| {
        shared.operations.iter().enumerate().find_map(|(i, op)| {
            (op.source == source && op.method.eq_ignore_ascii_case(&method))
                .then(|| checks::match_path(op.path, &path).map(|params| (i, params)))
                .flatten()
        })
    });
    let mut recorded = Request {
        step: "",
        method,
        path,
        path_params: Vec::new(),
        query,
        headers,
        body,
        raw_body,
    };
    let Some((index, path_params)) = found else {
        let message = format!(
            "fake: no operation of the workflows is `{} {}`",
            recorded.method, recorded.path
        );
        let mut state = shared.state();
        state.requests.push(recorded);
        state.violations.push(Violation {
            step: "",
            message: message.clone(),
        });
        return Ok(reply(Response::json(
            404,
            &serde_json::json!({ "error": message }),
        )));
    };
    let operation = &shared.operations[index];
    recorded.step = operation.step;
    recorded.path_params = path_params;

    let (fault, handler) = {
        let mut state = shared.state();
        state.requests.push(recorded.clone());
        (
            state.faults[index].pop_front(),
            state.handlers[index].clone(),
        )
    };
    match fault {
        Some(Fault::Drop) => return Err(Dropped),
        Some(Fault::Status(status)) => {
            return Ok(reply(Response::json(
                status,
                &serde_json::json!({
                    "error": "fake: fault",
                    "message": format!("step `{}`: status {status} on request", operation.step),
                }),
            )));
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Truncate) | None => {}
    }

    let mut problems = checks::check(operation, &recorded);
    let mut answer = None;
    if problems.is_empty() {
        match handler.map(|handler| handler(&recorded)) {
            Some(Ok(response)) => answer = Some(response),
            Some(Err(problem)) => problems.push(problem),
            None => answer = Some(default_response(operation)),
        }
    }
    let response = if let Some(response) = answer {
        response
    } else {
        let message = format!("step `{}`: {}", operation.step, problems.join("; "));
        shared
            .state()
            .violations
            .extend(problems.iter().map(|p| Violation {
                step: operation.step,
                message: p.clone(),
            }));
        Response::json(
            400,
            &serde_json::json!({ "error": "fake: the request breaks the description", "message": message }),
        )
    };
    let mut reply = reply(response);
    if fault == Some(Fault::Truncate) {
        reply.body_mut().truncate();
    }
    Ok(reply)
}

fn reply(response: Response) -> hyper::Response<FakeBody> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = FakeBody {
        length: response.body.len() as u64,
        data: Some(Bytes::from(response.body)),
        fail: false,
    };
    builder.body(body).unwrap_or_else(|_| {
        let mut fallback = hyper::Response::new(FakeBody {
            length: 0,
            data: None,
            fail: false,
        });
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

/// A body sent whole, or (truncated) half of it before the connection is cut.
pub(super) struct FakeBody {
    data: Option<Bytes>,
    length: u64,
    fail: bool,
}

impl FakeBody {
    fn truncate(&mut self) {
        if let Some(data) = &mut self.data {
            let half = data.len() / 2;
            data.truncate(half);
            self.fail = true;
        }
    }
}

impl Body for FakeBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if self.fail {
            self.fail = false;
            return Poll::Ready(Some(Err(Box::new(Dropped))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && !self.fail
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

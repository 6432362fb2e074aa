//! Runs the Stytch SMS one-time passcode login workflow, generated from
//! `specs/arazzo/stytch-sms-otp-login-workflow.yml`.
//!
//! With no environment it starts the fake generated with the workflow (`fake = true`, with
//! Stytch's sandbox behaviour: `generated_example::embedded`) on 127.0.0.1 in this process and
//! runs the workflow against it. With `STYTCH_PROJECT_ID` and `STYTCH_SECRET` set it calls Stytch itself:
//! `https://test.stytch.com` for `project-test-*` ids, `https://api.stytch.com` for
//! `project-live-*`. `--base-url <url>` sends the requests to a server already running there
//! instead (with the Stytch credentials when they are set, else placeholder ones).
//!
//! Flags: `--phone <E.164>` (default `+10000000000`, Stytch's sandbox number), `--code <code>`
//! (default `000000`, the sandbox code), `--session-minutes <n>` (default 60), `--via build`
//! (run the build.rs-generated module instead of the macro-generated one), `--interactive`
//! (run the two steps on their own, `sms_otp_login::send_sms_otp` and then
//! `sms_otp_login::authenticate_otp`, and ask for the code on standard input in between, as a
//! real login does: the code arrives by SMS after the first step).
//!
//! `--durable --state <dir> --run-id <id>` runs the workflow as a durable run
//! (`generated_example::via_durable`), its state kept in a `FileStore` in `<dir>` between two
//! runs of this program: without `--code` it starts run `<id>` (`sms_otp_login::start`), which
//! sends the SMS and suspends waiting for `code`; with `--code` (and no `--phone`) it continues
//! run `<id>` with the code (`sms_otp_login::resume_with`) and prints the session.

use std::path::PathBuf;
use std::process::ExitCode;

use arazzo_runtime::durable::{FileStore, Outcome, Store as _};
use generated_example::{via_build, via_durable, via_macro};

/// Stytch's sandbox phone number.
const SANDBOX_PHONE: &str = "+10000000000";

#[derive(Debug, Default)]
struct Options {
    /// `--phone`, when given.
    phone: Option<String>,
    /// `--code`, when given.
    code: Option<String>,
    /// `--session-minutes`, when given.
    session_minutes: Option<i64>,
    via_build: bool,
    interactive: bool,
    base_url: Option<String>,
    durable: bool,
    state: Option<PathBuf>,
    run_id: Option<String>,
}

impl Options {
    fn phone(&self) -> String {
        self.phone
            .clone()
            .unwrap_or_else(|| SANDBOX_PHONE.to_owned())
    }

    fn code(&self) -> String {
        self.code
            .clone()
            .unwrap_or_else(|| generated_example::embedded::SANDBOX_CODE.to_owned())
    }

    fn session_minutes(&self) -> Option<i64> {
        self.session_minutes.or(Some(60))
    }

    /// `--durable`'s store and run id, checked against the other flags.
    fn durable(&self) -> Result<Option<(FileStore, &str)>, String> {
        if !self.durable {
            if self.state.is_some() || self.run_id.is_some() {
                return Err("--state and --run-id are for --durable".to_owned());
            }
            return Ok(None);
        }
        if self.interactive || self.via_build {
            return Err(
                "--durable runs the durable module on its own: leave out --interactive and --via"
                    .to_owned(),
            );
        }
        match (&self.state, &self.run_id) {
            (Some(state), Some(run_id)) => Ok(Some((FileStore::new(state), run_id))),
            _ => Err("--durable needs --state <dir> and --run-id <id>".to_owned()),
        }
    }
}

const USAGE: &str = "usage: generated-example [--phone E164] [--code CODE] [--session-minutes N] [--via macro|build] [--interactive] [--base-url URL]
       generated-example --durable --state DIR --run-id ID [--phone E164] [--session-minutes N]   (start: sends the SMS, suspends)
       generated-example --durable --state DIR --run-id ID --code CODE                           (continue with the code)";

fn parse_args() -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--phone" => options.phone = Some(value()?),
            "--code" => options.code = Some(value()?),
            "--session-minutes" => {
                let minutes = value()?;
                options.session_minutes =
                    Some(minutes.parse().map_err(|_| {
                        format!("--session-minutes takes a number, not `{minutes}`")
                    })?);
            }
            "--via" => match value()?.as_str() {
                "build" => options.via_build = true,
                "macro" => options.via_build = false,
                other => return Err(format!("--via takes `macro` or `build`, not `{other}`")),
            },
            "--interactive" => options.interactive = true,
            "--base-url" => options.base_url = Some(value()?),
            "--durable" => options.durable = true,
            "--state" => options.state = Some(PathBuf::from(value()?)),
            "--run-id" => options.run_id = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    options.durable()?;
    Ok(options)
}

/// Shows the start of a token, never the whole of it.
fn abbreviate(token: &str) -> String {
    if token.is_empty() {
        return "(empty: no session was created)".to_owned();
    }
    let start: String = token.chars().take(8).collect();
    format!("{start}… ({} characters)", token.chars().count())
}

/// What a login gives: the user id, the session token and the session JWT.
type Login = (String, String, String);

async fn run(
    options: &Options,
    base_url: &str,
    project_id: &str,
    secret: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let login = if let Some((store, run_id)) = options.durable()? {
        let client = via_durable::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        durable_run(&client, options, &store, run_id).await?
    } else if options.interactive {
        let client = via_macro::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        Some(step_by_step(&client, options).await?)
    } else if options.via_build {
        let client = via_build::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        let inputs = via_build::sms_otp_login::Inputs {
            phone_number: options.phone(),
            code: options.code(),
            session_duration_minutes: options.session_minutes(),
        };
        let outputs = via_build::sms_otp_login(&client, inputs).await?;
        Some((outputs.user_id, outputs.session_token, outputs.session_jwt))
    } else {
        let client = via_macro::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        let inputs = via_macro::sms_otp_login::Inputs {
            phone_number: options.phone(),
            code: options.code(),
            session_duration_minutes: options.session_minutes(),
        };
        let outputs = via_macro::sms_otp_login(&client, inputs).await?;
        Some((outputs.user_id, outputs.session_token, outputs.session_jwt))
    };
    if let Some((user_id, session_token, session_jwt)) = login {
        println!("outputs:");
        println!("  userId:       {user_id}");
        println!("  sessionToken: {}", abbreviate(&session_token));
        println!("  sessionJwt:   {}", abbreviate(&session_jwt));
    }
    Ok(())
}

/// `--durable`: starts run `run_id` (no `--code`, or `--phone` given) or continues it with the
/// code; `None` when the run suspended.
async fn durable_run(
    client: &via_durable::Client,
    options: &Options,
    store: &FileStore,
    run_id: &str,
) -> Result<Option<Login>, Box<dyn std::error::Error>> {
    use via_durable::sms_otp_login;
    // Checked before the store is read, so that an id like `../x` names no file.
    arazzo_runtime::durable::check_run_id("sms-otp-login", run_id)?;
    let outcome = if options.code.is_some() && options.phone.is_none() {
        // `resume` reads the checkpoint; a run waiting for the code suspends again at once,
        // without sending anything, and hands back its state for `resume_with`.
        match sms_otp_login::resume(client, run_id, store).await? {
            Outcome::Suspended(state) => {
                println!("run `{run_id}`: continuing with the code");
                let more = sms_otp_login::PartialInputs {
                    code: options.code.clone(),
                    session_duration_minutes: options.session_minutes,
                    ..Default::default()
                };
                sms_otp_login::resume_with(client, state, more, store).await?
            }
            completed => completed,
        }
    } else {
        if store.load(run_id).await?.is_some() {
            return Err(format!(
                "run `{run_id}` has already started (its state is in {}): continue it with --code, without --phone",
                store.dir().display()
            )
            .into());
        }
        let inputs = sms_otp_login::PartialInputs {
            phone_number: Some(options.phone()),
            code: options.code.clone(),
            session_duration_minutes: options.session_minutes(),
        };
        println!("run `{run_id}`: starting");
        sms_otp_login::start(client, run_id, inputs, store).await?
    };
    match outcome {
        Outcome::Completed(outputs) => {
            println!("run `{run_id}` completed; its state is deleted");
            Ok(Some((
                outputs.user_id,
                outputs.session_token,
                outputs.session_jwt,
            )))
        }
        Outcome::Suspended(state) => {
            let waiting_for = state.waiting_for().join(", ");
            println!("run `{run_id}` suspended after step sendSmsOtp, waiting for: {waiting_for}");
            println!(
                "its state is in {}; continue it, from any process, with:",
                store.dir().join(format!("{run_id}.json")).display()
            );
            println!(
                "  generated-example --durable --state {} --run-id {run_id} --code <the code from the SMS>",
                store.dir().display()
            );
            Ok(None)
        }
    }
}

/// The SMS login as a person does it: send the code, wait for them to type it, authenticate.
async fn step_by_step(
    client: &via_macro::Client,
    options: &Options,
) -> Result<Login, Box<dyn std::error::Error>> {
    let phone = options.phone();
    let sent = via_macro::sms_otp_login::send_sms_otp(
        client,
        via_macro::sms_otp_login::SendSmsOtpInputs {
            phone_number: phone.clone(),
        },
    )
    .await?;
    println!("step sendSmsOtp: a passcode was sent to {phone}");
    println!("enter the code from the SMS:");
    let code = read_code().await.ok_or("no code on standard input")?;
    let authenticated = via_macro::sms_otp_login::authenticate_otp(
        client,
        via_macro::sms_otp_login::AuthenticateOtpInputs {
            code,
            session_duration_minutes: options.session_minutes(),
        },
        &sent,
    )
    .await?;
    println!("step authenticateOtp: authenticated");
    Ok((
        authenticated.user_id,
        authenticated.session_token,
        authenticated.session_jwt,
    ))
}
/// One line of standard input, trimmed, read off the async runtime's threads; `None` at the
/// end of input or for an empty line.
async fn read_code() -> Option<String> {
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .ok()?
    .ok()?;
    let code = line.trim();
    (!code.is_empty()).then(|| code.to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let module = if options.durable {
        "durable, build.rs-generated"
    } else if options.interactive {
        "step by step, macro-generated"
    } else if options.via_build {
        "build.rs-generated"
    } else {
        "macro-generated"
    };
    let credentials = match (
        std::env::var("STYTCH_PROJECT_ID"),
        std::env::var("STYTCH_SECRET"),
    ) {
        (Ok(project_id), Ok(secret)) => Some((project_id, secret)),
        _ => None,
    };
    let result = match (&options.base_url, credentials) {
        (Some(base_url), credentials) => {
            let (project_id, secret) = credentials.unwrap_or_else(|| {
                (
                    "project-test-example".to_owned(),
                    "secret-test-example".to_owned(),
                )
            });
            println!("running sms_otp_login ({module}) against {base_url}");
            run(&options, base_url, &project_id, &secret).await
        }
        (None, Some((project_id, secret))) => {
            let base_url = if project_id.starts_with("project-live-") {
                "https://api.stytch.com"
            } else {
                "https://test.stytch.com"
            };
            println!("running sms_otp_login ({module}) against {base_url}");
            run(&options, base_url, &project_id, &secret).await
        }
        (None, None) => {
            let fake = generated_example::embedded::start().await;
            let base_url = fake
                .base_url("stytchConsumerApi")
                .unwrap_or_else(|| unreachable!("the document's only source"));
            println!(
                "running sms_otp_login ({module}) against an embedded Stytch-like server (the generated fake) at {base_url}"
            );
            println!("(set STYTCH_PROJECT_ID and STYTCH_SECRET to call Stytch itself)");
            let result = run(
                &options,
                &base_url,
                "project-test-example",
                "secret-test-example",
            )
            .await;
            println!("requests made:");
            for (i, request) in fake.requests().iter().enumerate() {
                let auth = if request.header("authorization").is_some() {
                    "Basic [redacted]"
                } else {
                    "none"
                };
                println!(
                    "  {}. {} {}  authorization: {auth}  body: {}",
                    i + 1,
                    request.method,
                    request.path,
                    request.raw_body
                );
            }
            for violation in fake.violations() {
                println!("  the fake rejected: {violation}");
            }
            result
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

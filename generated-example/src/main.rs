//! Runs the Stytch SMS one-time passcode login workflow, generated from
//! `specs/arazzo/stytch-sms-otp-login-workflow.yml`.
//!
//! With no environment it starts a Stytch-like server on 127.0.0.1 in this process and runs the
//! workflow against it. With `STYTCH_PROJECT_ID` and `STYTCH_SECRET` set it calls Stytch itself:
//! `https://test.stytch.com` for `project-test-*` ids, `https://api.stytch.com` for
//! `project-live-*`.
//!
//! Flags: `--phone <E.164>` (default `+10000000000`, Stytch's sandbox number), `--code <code>`
//! (default `000000`, the sandbox code), `--session-minutes <n>` (default 60), `--via build`
//! (run the build.rs-generated module instead of the macro-generated one).

use std::process::ExitCode;

use arazzo_runtime::serde_json;
use generated_example::stub::StytchStub;
use generated_example::{via_build, via_macro};

#[derive(Debug)]
struct Options {
    phone: String,
    code: String,
    session_minutes: Option<i64>,
    via_build: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        phone: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_minutes: Some(60),
        via_build: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--phone" => options.phone = value()?,
            "--code" => options.code = value()?,
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
            "-h" | "--help" => {
                return Err("usage: generated-example [--phone E164] [--code CODE] [--session-minutes N] [--via macro|build]".to_owned());
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
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

async fn run(
    options: &Options,
    base_url: &str,
    project_id: &str,
    secret: &str,
) -> Result<(), arazzo_runtime::Error> {
    let (user_id, session_token, session_jwt) = if options.via_build {
        let client = via_build::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        let inputs = via_build::SmsOtpLoginInputs {
            phone_number: options.phone.clone(),
            code: options.code.clone(),
            session_duration_minutes: options.session_minutes,
        };
        let outputs = via_build::sms_otp_login(&client, inputs).await?;
        (outputs.user_id, outputs.session_token, outputs.session_jwt)
    } else {
        let client = via_macro::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        let inputs = via_macro::SmsOtpLoginInputs {
            phone_number: options.phone.clone(),
            code: options.code.clone(),
            session_duration_minutes: options.session_minutes,
        };
        let outputs = via_macro::sms_otp_login(&client, inputs).await?;
        (outputs.user_id, outputs.session_token, outputs.session_jwt)
    };
    println!("outputs:");
    println!("  userId:       {user_id}");
    println!("  sessionToken: {}", abbreviate(&session_token));
    println!("  sessionJwt:   {}", abbreviate(&session_jwt));
    Ok(())
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
    let module = if options.via_build {
        "build.rs"
    } else {
        "macro"
    };
    let credentials = (
        std::env::var("STYTCH_PROJECT_ID"),
        std::env::var("STYTCH_SECRET"),
    );
    let result = match credentials {
        (Ok(project_id), Ok(secret)) => {
            let base_url = if project_id.starts_with("project-live-") {
                "https://api.stytch.com"
            } else {
                "https://test.stytch.com"
            };
            println!("running sms_otp_login ({module}-generated) against {base_url}");
            run(&options, base_url, &project_id, &secret).await
        }
        _ => {
            let stub = StytchStub::start().await;
            println!(
                "running sms_otp_login ({module}-generated) against an embedded Stytch-like server at {}",
                stub.uri()
            );
            println!("(set STYTCH_PROJECT_ID and STYTCH_SECRET to call Stytch itself)");
            let result = run(
                &options,
                &stub.uri(),
                "project-test-example",
                "secret-test-example",
            )
            .await;
            println!("requests made:");
            for (i, request) in stub.requests().await.iter().enumerate() {
                let body = serde_json::from_slice::<serde_json::Value>(&request.body)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&request.body).into_owned());
                let auth = if request.headers.contains_key("authorization") {
                    "Basic [redacted]"
                } else {
                    "none"
                };
                println!(
                    "  {}. {} {}  authorization: {auth}  body: {body}",
                    i + 1,
                    request.method,
                    request.url.path()
                );
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

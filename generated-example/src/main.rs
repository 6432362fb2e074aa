//! Runs the Stytch SMS one-time passcode login workflow, generated from
//! `specs/arazzo/stytch-sms-otp-login-workflow.yml`.
//!
//! With no environment it starts the fake generated with the workflow (`fake = true`, with
//! Stytch's sandbox behaviour: `generated_example::embedded`) on 127.0.0.1 in this process and
//! runs the workflow against it. With `STYTCH_PROJECT_ID` and `STYTCH_SECRET` set it calls Stytch itself:
//! `https://test.stytch.com` for `project-test-*` ids, `https://api.stytch.com` for
//! `project-live-*`.
//!
//! Flags: `--phone <E.164>` (default `+10000000000`, Stytch's sandbox number), `--code <code>`
//! (default `000000`, the sandbox code), `--session-minutes <n>` (default 60), `--via build`
//! (run the build.rs-generated module instead of the macro-generated one), `--interactive`
//! (run the two steps on their own, `sms_otp_login::send_sms_otp` and then
//! `sms_otp_login::authenticate_otp`, and ask for the code on standard input in between, as a
//! real login does: the code arrives by SMS after the first step).

use std::process::ExitCode;

use generated_example::{via_build, via_macro};

#[derive(Debug)]
struct Options {
    phone: String,
    code: String,
    session_minutes: Option<i64>,
    via_build: bool,
    interactive: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        phone: "+10000000000".to_owned(),
        code: "000000".to_owned(),
        session_minutes: Some(60),
        via_build: false,
        interactive: false,
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
            "--interactive" => options.interactive = true,
            "-h" | "--help" => {
                return Err("usage: generated-example [--phone E164] [--code CODE] [--session-minutes N] [--via macro|build] [--interactive]".to_owned());
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
) -> Result<(), Box<dyn std::error::Error>> {
    let (user_id, session_token, session_jwt) = if options.interactive {
        let client = via_macro::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        step_by_step(&client, options).await?
    } else if options.via_build {
        let client = via_build::Client::builder()
            .stytch_consumer_api(base_url)
            .basic_auth(project_id, secret)
            .build();
        let inputs = via_build::sms_otp_login::Inputs {
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
        let inputs = via_macro::sms_otp_login::Inputs {
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

/// The SMS login as a person does it: send the code, wait for them to type it, authenticate.
async fn step_by_step(
    client: &via_macro::Client,
    options: &Options,
) -> Result<(String, String, String), Box<dyn std::error::Error>> {
    let sent = via_macro::sms_otp_login::send_sms_otp(
        client,
        via_macro::sms_otp_login::SendSmsOtpInputs {
            phone_number: options.phone.clone(),
        },
    )
    .await?;
    println!("step sendSmsOtp: a passcode was sent to {}", options.phone);
    println!("enter the code from the SMS:");
    let code = read_code().await.ok_or("no code on standard input")?;
    let authenticated = via_macro::sms_otp_login::authenticate_otp(
        client,
        via_macro::sms_otp_login::AuthenticateOtpInputs {
            code,
            session_duration_minutes: options.session_minutes,
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
    let module = if options.interactive {
        "step by step, macro-generated"
    } else if options.via_build {
        "build.rs-generated"
    } else {
        "macro-generated"
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
            println!("running sms_otp_login ({module}) against {base_url}");
            run(&options, base_url, &project_id, &secret).await
        }
        _ => {
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

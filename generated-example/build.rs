//! The build.rs path: the same seed document, generated into `OUT_DIR` twice:
//!
//! - with its fake (`with_fake(true)`), included by `src/lib.rs` as the module `via_build`, so
//!   that clippy lints the fake's code too;
//! - as durable runs (`with_durable(true)`), included as the module `via_durable`, which the
//!   example's `--durable` mode runs. A module of its own, so that `via_build` stays the
//!   reviewed snapshot of the code generated without the setting.

fn generate(settings: arazzo_codegen::Settings, file: &str) {
    let result = arazzo_codegen::build::generate(
        "../specs/arazzo/stytch-sms-otp-login-workflow.yml",
        settings,
        file,
    );
    if let Err(error) = result {
        // Cargo shows a failed build script's stderr, diagnostics and all.
        eprintln!("{error}");
        std::process::exit(1);
    }
}

fn main() {
    generate(
        arazzo_codegen::Settings::new().with_fake(true),
        "stytch_sms_otp_login.rs",
    );
    generate(
        arazzo_codegen::Settings::new().with_durable(true),
        "stytch_sms_otp_login_durable.rs",
    );
}

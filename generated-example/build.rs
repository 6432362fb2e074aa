//! The build.rs path: the same seed document, generated into `OUT_DIR` and included by
//! `src/lib.rs` as the module `via_build`, with its fake (`with_fake(true)`) so that clippy
//! lints the fake's code too.

fn main() {
    let result = arazzo_codegen::build::generate(
        "../specs/arazzo/stytch-sms-otp-login-workflow.yml",
        arazzo_codegen::Settings::new().with_fake(true),
        "stytch_sms_otp_login.rs",
    );
    if let Err(error) = result {
        // Cargo shows a failed build script's stderr, diagnostics and all.
        eprintln!("{error}");
        std::process::exit(1);
    }
}

//! Generating from a build script.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     arazzo_codegen::build::generate(
//!         "specs/arazzo/stytch-sms-otp-login-workflow.yml",
//!         arazzo_codegen::Settings::new(),
//!         "stytch_sms.rs",
//!     )?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! mod stytch_sms {
//!     include!(concat!(env!("OUT_DIR"), "/stytch_sms.rs"));
//! }
//! ```

use std::path::{Path, PathBuf};

use crate::{Failure, Generator, Settings};

/// Generates the code of the Arazzo document at `arazzo` (relative to the crate's
/// `CARGO_MANIFEST_DIR` unless `settings` set another base directory), writes it formatted to
/// `$OUT_DIR/<file_name>`, and prints `cargo:rerun-if-changed` for every file read, so that
/// editing the document or any of its sources reruns the build script.
///
/// Warnings are printed as `cargo:warning` lines.
///
/// # Errors
/// [`BuildError::Generate`] with every problem in the documents (its `Display` shows them with
/// their lines), or [`BuildError::Io`] when `OUT_DIR` is unset or the file cannot be written.
pub fn generate(
    arazzo: impl AsRef<Path>,
    settings: Settings,
    file_name: &str,
) -> Result<PathBuf, BuildError> {
    let mut settings = settings;
    if settings.base_dir.is_none() {
        settings.base_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    }
    let result = Generator::new(settings).generate(arazzo.as_ref());
    let read: Vec<PathBuf> = match &result {
        Ok(generated) => generated.files_read().map(Path::to_owned).collect(),
        Err(failure) => failure.files_read().map(Path::to_owned).collect(),
    };
    for path in read {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let generated = result.map_err(BuildError::Generate)?;
    for line in generated.render_warnings().lines() {
        println!("cargo:warning={line}");
    }
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
        BuildError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "OUT_DIR is not set: call arazzo_codegen::build::generate from a build script",
        ))
    })?;
    let path = Path::new(&out_dir).join(file_name);
    std::fs::write(&path, generated.to_formatted_string()).map_err(BuildError::Io)?;
    Ok(path)
}

/// Why [`generate`] failed.
#[derive(Debug)]
pub enum BuildError {
    /// The documents have problems.
    Generate(Failure),
    /// The output could not be written.
    Io(std::io::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Generate(failure) => write!(f, "arazzo-codegen found problems:\n{failure}"),
            Self::Io(error) => write!(f, "arazzo-codegen could not write its output: {error}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Generate(failure) => Some(failure),
            Self::Io(error) => Some(error),
        }
    }
}

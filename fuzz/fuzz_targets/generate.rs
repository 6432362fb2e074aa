//! Any text as an Arazzo document, through the whole generator (loading, model, resolution,
//! planning, emission, formatting): it returns code or diagnostics, never panics. The
//! document's relative sources resolve in `fuzz/workdir/`, which holds a small OpenAPI
//! description (`pets.openapi.yaml`) and an Arazzo one (`shared.arazzo.yaml`).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use arazzo_codegen::{Generator, Settings};
use libfuzzer_sys::fuzz_target;

fn generator() -> &'static Generator {
    static GENERATOR: OnceLock<Generator> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workdir");
        Generator::new(Settings::new().with_base_dir(dir))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match generator().generate_text("fuzz.arazzo.yaml", text) {
        Ok(generated) => {
            let _ = generated.to_formatted_string();
            let _ = generated.render_warnings();
        }
        Err(failure) => {
            let _ = failure.to_string();
        }
    }
});

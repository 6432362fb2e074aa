//! Peak memory of generation, against a bare parse of the same files.
//!
//! `cargo bench -p arazzo-bench --bench memory`
//!
//! Each measurement runs in a fresh child process (this same program), which does one thing and
//! reports its peak resident set size (`VmHWM` in `/proc/self/status`, Linux). A child that does
//! nothing gives the baseline (the program itself), which is subtracted. Needs
//! `../shared/specs-upstream`; without it the benchmark prints a notice and exits.

use std::process::Command;

use arazzo_bench::{Stytch, parse, shared};

const CHILD: &str = "ARAZZO_BENCH_MEMORY_CHILD";

const MODES: [(&str, &str); 5] = [
    ("baseline", "nothing (the program itself)"),
    ("seed-parse", "seed: parse its 2 files (floor)"),
    ("seed-generate", "seed: generate"),
    (
        "all-parse",
        "24 Stytch workflows: parse each of the 26 files once (floor)",
    ),
    (
        "all-generate",
        "24 Stytch workflows: Generator::generate_each",
    ),
];

/// Peak resident set size of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn child(mode: &str) -> Result<(), String> {
    let dir = shared().ok_or("no shared data")?;
    let stytch = Stytch::new(&dir).map_err(|e| e.to_string())?;
    match mode {
        "baseline" => {}
        "seed-parse" => parse(&stytch.seed_files)?,
        "seed-generate" => drop(std::hint::black_box(stytch.generate_seed()?)),
        "all-parse" => parse(&stytch.all_files)?,
        "all-generate" => drop(std::hint::black_box(stytch.generate_all())),
        _ => return Err(format!("unknown mode {mode}")),
    }
    println!("{}", peak_kib());
    Ok(())
}

fn main() -> Result<(), String> {
    if let Ok(mode) = std::env::var(CHILD) {
        return child(&mode);
    }
    if shared().is_none() {
        println!(
            "skipped: ../shared/specs-upstream is absent (the shared test data lives beside the checkout)"
        );
        return Ok(());
    }
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut peaks = Vec::new();
    for (mode, _) in MODES {
        let output = Command::new(&exe)
            .env(CHILD, mode)
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout);
        let peak: u64 = text
            .trim()
            .parse()
            .map_err(|_| format!("{mode}: {text} {}", String::from_utf8_lossy(&output.stderr)))?;
        peaks.push(peak);
    }
    let base = peaks[0];
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "peak resident set size, each in a fresh process (baseline {:.1} MiB subtracted):",
        mib(base)
    );
    for ((_, what), peak) in MODES.iter().zip(&peaks).skip(1) {
        println!("  {what}: {:.1} MiB", mib(peak.saturating_sub(base)));
    }
    let over =
        |a: u64, b: u64| a.saturating_sub(base) as f64 / b.saturating_sub(base).max(1) as f64;
    println!(
        "  seed: generate / parse = {:.2}x",
        over(peaks[2], peaks[1])
    );
    println!(
        "  all 24: generate / parse = {:.2}x",
        over(peaks[4], peaks[3])
    );
    Ok(())
}

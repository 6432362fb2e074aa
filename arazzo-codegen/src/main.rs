//! `arazzo-codegen`: generate Rust from an Arazzo document, or check one.

use std::path::PathBuf;
use std::process::ExitCode;

use arazzo_codegen::{Generator, Settings};
use clap::{Args, Parser, Subcommand};

/// Compiles Arazzo workflows into typed async Rust functions.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate Rust code from an Arazzo document.
    Generate {
        #[command(flatten)]
        input: Input,
        /// Write the code to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check an Arazzo document and its sources; print problems, generate nothing.
    Check {
        #[command(flatten)]
        input: Input,
        /// Also report the workflow outputs no schema gives a type, which are therefore
        /// `serde_json::Value`.
        #[arg(long)]
        types: bool,
    },
}

#[derive(Debug, Args)]
struct Input {
    /// The Arazzo document (YAML or JSON).
    arazzo: PathBuf,
    /// Read the source description NAME from the local file PATH instead of its `url`.
    #[arg(long = "source", value_name = "NAME=PATH", value_parser = parse_source)]
    sources: Vec<(String, PathBuf)>,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// The most steps one run of a workflow with `goto` or `retry` may execute.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_steps: usize,
    /// Also generate `pub mod fake`, a fake server of the workflows' operations for tests.
    #[arg(long)]
    fake: bool,
    /// Whether the steps of a workflow that declares step `dependsOn` run at once
    /// (`--concurrent=false` or `--no-concurrent` runs them one after the other).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true")]
    concurrent: bool,
    /// Run the steps of every workflow one after the other (same as `--concurrent=false`).
    #[arg(long, conflicts_with = "concurrent")]
    no_concurrent: bool,
    /// Also generate durable runs of each workflow (`start`, `resume`, `resume_with`), which
    /// save their state in a store after every step.
    #[arg(long)]
    durable: bool,
}

fn parse_source(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(path)))
        }
        _ => Err(format!("expected NAME=PATH, found `{text}`")),
    }
}

impl Input {
    fn generator(&self) -> Generator {
        let settings = self.sources.iter().fold(
            Settings::new()
                .with_strict(self.strict)
                .with_max_steps(self.max_steps)
                .with_fake(self.fake)
                .with_concurrent(self.concurrent && !self.no_concurrent)
                .with_durable(self.durable),
            |settings, (name, path)| settings.with_source(name.clone(), path.clone()),
        );
        Generator::new(settings)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (input, output, types) = match &cli.command {
        Command::Generate { input, output } => (input, Some(output), false),
        Command::Check { input, types } => (input, None, *types),
    };
    let generated = match input.generator().generate(&input.arazzo) {
        Ok(generated) => generated,
        Err(failure) => {
            eprintln!("{failure}");
            let count = failure.diagnostics().len();
            eprintln!(
                "error: {count} problem{} found",
                if count == 1 { "" } else { "s" }
            );
            return ExitCode::FAILURE;
        }
    };
    if !generated.warnings().is_empty() {
        eprintln!("{}", generated.render_warnings());
    }
    if types {
        let untyped = generated.untyped_outputs();
        println!(
            "{}: {} of {} workflow outputs are serde_json::Value",
            input.arazzo.display(),
            untyped.len(),
            generated.output_count()
        );
        for (workflow, output) in untyped {
            println!("  {workflow}.{output}");
        }
        let selected = generated.untyped_selector_outputs();
        if !selected.is_empty() {
            println!(
                "{} step outputs are serde_json::Value (JSONPath selectors):",
                selected.len()
            );
            for (workflow, step, output) in selected {
                println!("  {workflow}.{step}.{output}");
            }
        }
    }
    match output {
        None => ExitCode::SUCCESS,
        Some(None) => {
            print!("{}", generated.to_formatted_string());
            ExitCode::SUCCESS
        }
        Some(Some(path)) => match std::fs::write(path, generated.to_formatted_string()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                ExitCode::FAILURE
            }
        },
    }
}

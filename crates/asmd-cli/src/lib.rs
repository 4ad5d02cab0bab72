//! `asmd`, the command line front of the asmd engine.
//!
//! This crate holds argument definitions and printing only: every command turns its
//! arguments into engine calls (`asmd::Dataset`, `asmd::GroundTruth`, ...) and prints
//! the result for humans, or as JSON with `--json`. Errors go to stderr; the exit code
//! is 0 on success, 1 when the command ran but found problems (e.g. `check` found
//! invalid files) or failed, 2 for bad arguments.
//!
//! It is a library too: [`run`] takes the arguments, so the Python package exposes the
//! same command line (`python -m asmd.install ...`, the `asmd` console script).

mod args;
mod audio;
mod cache;
mod check;
mod convert;
mod export;
mod info;
mod install;
mod list;
mod output;
mod query;
mod stats;

use std::ffi::OsString;

use clap::Parser;

use args::{Cli, Command};

/// Run the command line with `args` (the first one is the program name); returns the
/// exit code.
///
/// A panic (a bug) anywhere below, worker threads included, is printed as an error
/// asking to report it, with exit code 1: it never ends the program (exit code 101) or,
/// through the Python package, the interpreter.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    match std::panic::catch_unwind(move || run_commands(args)) {
        Ok(code) => code,
        Err(payload) => {
            output::print_error(&asmd::Error::from_panic(payload.as_ref()).into());
            1
        }
    }
}

fn run_commands(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match &cli.command {
        Command::List(a) => list::run(&cli.global, a),
        Command::Query(a) => query::run(&cli.global, a),
        Command::Info(a) => info::run(&cli.global, a),
        Command::Check(a) => check::run(&cli.global, a),
        Command::Convert(a) => convert::run(&cli.global, a),
        Command::Audio(a) => audio::run(&cli.global, a),
        Command::Install(a) => install::run(&cli.global, a),
        Command::Status(a) => install::status(&cli.global, a),
        Command::Verify(a) => install::verify(&cli.global, a),
        Command::Stats(a) => stats::run(&cli.global, a),
        Command::Export(a) => export::run(&cli.global, a),
        Command::Plot(a) => export::plot(&cli.global, a),
        Command::Cache(a) => cache::run(&cli.global, a),
        Command::DebugPanic(a) => asmd::parallel::panic_for_tests(a.worker),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            1
        }
    }
}

/// Run a command that has a JSON result (`install`, `convert`, `status`, `verify`) and return the
/// exit code and the JSON instead of printing it; argument errors and failures come back
/// as `Err` with the message (engine errors keep their structure).
pub fn run_json<I, T>(args: I) -> Result<(i32, serde_json::Value), JsonError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| JsonError::Usage(e.render().to_string()))?;
    let res = match &cli.command {
        Command::Install(a) => install::run_json(&cli.global, a),
        Command::Convert(a) => convert::run_json(&cli.global, a),
        Command::Status(a) => install::status_json(&cli.global, a),
        Command::Verify(a) => install::verify_json(&cli.global, a),
        _ => {
            return Err(JsonError::Usage(
                "only install, convert, status and verify return JSON results".into(),
            ))
        }
    };
    res.map_err(|e| match e.downcast::<asmd::Error>() {
        Ok(engine) => JsonError::Engine(engine),
        Err(other) => JsonError::Usage(other.to_string()),
    })
}

/// Why [`run_json`] failed.
#[derive(Debug)]
pub enum JsonError {
    /// Bad arguments (clap's message).
    Usage(String),
    /// The engine failed.
    Engine(asmd::Error),
}

//! `asmd`, the command line front of the asmd engine.
//!
//! This crate holds argument definitions and printing only: every command turns its
//! arguments into engine calls (`asmd::Dataset`, `asmd::GroundTruth`, ...) and prints
//! the result for humans, or as JSON with `--json`. Errors go to stderr; the exit code
//! is 0 on success, 1 when the command ran but found problems (e.g. `check` found
//! invalid files) or failed, 2 for bad arguments.

mod args;
mod check;
mod info;
mod list;
mod output;
mod query;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::List(a) => list::run(&cli.global, a),
        Command::Query(a) => query::run(&cli.global, a),
        Command::Info(a) => info::run(&cli.global, a),
        Command::Check(a) => check::run(&cli.global, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
}

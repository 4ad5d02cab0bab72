//! The `asmd` binary: see the `asmd_cli` library for the commands.

fn main() {
    std::process::exit(asmd_cli::run(std::env::args_os()));
}

//! Printing helpers: aligned text tables, JSON, errors.

use std::io::Write;

/// Print an error (and its causes) to stderr.
pub fn print_error(e: &anyhow::Error) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {e}");
    for cause in e.chain().skip(1) {
        let s = cause.to_string();
        if !e.to_string().contains(&s) {
            let _ = writeln!(err, "  caused by: {s}");
        }
    }
}

/// What ends a command whose standard output can no longer be written (see [`emit`]):
/// the exit code [`crate::run`] returns.
pub(crate) struct StdoutClosed(pub(crate) i32);

/// Write text to stdout. When stdout is closed (`asmd query | head`) the command ends
/// quietly with code 0; another write error is printed and ends it with code 1. Either
/// way the command unwinds back to [`crate::run`] (without the panic hook: nothing is
/// printed as a panic), which returns the code: the process is never exited from here,
/// so a Python interpreter calling the CLI through `asmd.cli.run` keeps running.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        let code = if e.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            eprintln!("error: cannot write to stdout: {e}");
            1
        };
        drop(out);
        std::panic::resume_unwind(Box::new(StdoutClosed(code)));
    }
}

/// `println!` through [`emit`].
#[macro_export]
macro_rules! outln {
    () => { $crate::output::emit("\n") };
    ($($arg:tt)*) => { $crate::output::emit(&format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` through [`emit`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::emit(&format!($($arg)*)) };
}

/// Print JSON (pretty) to stdout.
pub fn print_json(v: &serde_json::Value) {
    emit(&format!(
        "{}\n",
        serde_json::to_string_pretty(v).unwrap_or_default()
    ));
}

/// A text table with left-aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render with two spaces between columns.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut w = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate().take(n) {
                line.push_str(c);
                if i + 1 < n {
                    for _ in c.chars().count()..w[i] + 2 {
                        line.push(' ');
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

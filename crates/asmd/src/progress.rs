//! Progress bars shared by every long-running operation (one style everywhere).
//!
//! Bars draw on stderr only when it is a terminal, so scripts and logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` units named `unit` (e.g. "songs", "files").
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} (eta {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

/// A bar over `len` bytes with speed and ETA.
pub fn bytes_bar(len: u64, message: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b.set_message(message.to_string());
    b
}

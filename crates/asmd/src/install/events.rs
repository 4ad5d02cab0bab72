//! What the installer tells its caller while it works: [`Event`]s for an [`Observer`]
//! (the CLI prints them, the Python front forwards them, tests watch them), and the
//! progress bars drawn on stderr.
//!
//! Data flow: every module reports through a `Reporter`, which forwards each message and
//! progress update to the observer and, when enabled, draws one bar per download or
//! unpack (messages become plain stderr lines when stderr is not a terminal).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let s = seen.clone();
//! let observer: asmd::install::Observer = Arc::new(move |e: &asmd::install::Event| {
//!     if let asmd::install::Event::Message { text, .. } = e {
//!         s.lock().unwrap().push(text.to_string());
//!     }
//! });
//! observer(&asmd::install::Event::Message { dataset: None, text: "hello" });
//! assert_eq!(seen.lock().unwrap().as_slice(), ["hello"]);
//! ```

use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};

use super::{InstallOptions, Outcome};

/// Something the installer reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A line for the user.
    Message {
        /// Dataset concerned, if any.
        dataset: Option<&'a str>,
        /// The text.
        text: &'a str,
    },
    /// Progress of a task (a download, an unpack...).
    Progress {
        /// Dataset concerned (`ground truth` for the GT archive, `plan` while the plan
        /// checks its sources).
        dataset: &'a str,
        /// `download <name>`, `unpack <name>`, `check sources` (units: sources), ...
        task: &'a str,
        /// Units done (bytes).
        done: u64,
        /// Units in total, when known.
        total: Option<u64>,
    },
    /// A dataset finished (successfully or not).
    Finished {
        /// Dataset name.
        dataset: &'a str,
        /// Its outcome.
        outcome: &'a Outcome,
    },
}

/// Receives [`Event`]s (the CLI prints them; tests watch them).
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// Sends events and draws bars.
#[derive(Clone)]
pub(crate) struct Reporter {
    observer: Option<Observer>,
    bars: Option<MultiProgress>,
}

impl Reporter {
    pub(crate) fn new(opts: &InstallOptions) -> Reporter {
        let bars = opts.progress.then(|| {
            let m = MultiProgress::new();
            if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                m.set_draw_target(ProgressDrawTarget::hidden());
            }
            m
        });
        Reporter {
            observer: opts.observer.clone(),
            bars,
        }
    }

    /// A reporter that draws only on a terminal (with `opts.progress`): no plain lines
    /// on a redirected stderr. For the plan, whose result is printed anyway.
    pub(crate) fn terminal_only(opts: &InstallOptions) -> Reporter {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        Reporter {
            observer: opts.observer.clone(),
            bars: (opts.progress && tty).then(MultiProgress::new),
        }
    }

    pub(crate) fn silent() -> Reporter {
        Reporter {
            observer: None,
            bars: None,
        }
    }

    pub(crate) fn message(&self, dataset: Option<&str>, text: &str) {
        if let Some(o) = &self.observer {
            o(&Event::Message { dataset, text });
        }
        if let Some(b) = &self.bars {
            let line = match dataset {
                Some(d) => format!("[{d}] {text}"),
                None => text.to_string(),
            };
            if b.is_hidden() {
                eprintln!("{line}");
            } else {
                let _ = b.println(line);
            }
        }
    }

    pub(crate) fn finished(&self, dataset: &str, outcome: &Outcome) {
        if let Some(o) = &self.observer {
            o(&Event::Finished { dataset, outcome });
        }
    }

    /// A progress task; call the returned closure with (done, total).
    pub(crate) fn task(&self, dataset: &str, task: &str) -> Task {
        let bar = self.bars.as_ref().map(|m| {
            let b = m.add(crate::progress::bytes_bar(0, &format!("{dataset}: {task}")));
            b.set_length(0);
            b
        });
        Task {
            observer: self.observer.clone(),
            bar,
            dataset: dataset.to_string(),
            task: task.to_string(),
        }
    }
}

impl Reporter {
    /// A counting task drawn as a spinner (`⠋ checking sources: 3/9 sources checked`);
    /// call the returned task's `update` with (done, total).
    pub(crate) fn counter(&self, dataset: &str, task: &str, unit: &str) -> Task {
        let bar = self.bars.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{spinner}} {task}: {{pos}}/{{len}} {unit} [{{elapsed}}]"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(100));
            b
        });
        Task {
            observer: self.observer.clone(),
            bar,
            dataset: dataset.to_string(),
            task: task.to_string(),
        }
    }
}

/// One progress bar / progress event stream.
pub(crate) struct Task {
    observer: Option<Observer>,
    bar: Option<ProgressBar>,
    dataset: String,
    task: String,
}

impl Task {
    pub(crate) fn update(&self, done: u64, total: Option<u64>) {
        if let Some(b) = &self.bar {
            if let Some(t) = total {
                if b.length() != Some(t) {
                    b.set_length(t);
                }
            }
            b.set_position(done);
        }
        if let Some(o) = &self.observer {
            o(&Event::Progress {
                dataset: &self.dataset,
                task: &self.task,
                done,
                total,
            });
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

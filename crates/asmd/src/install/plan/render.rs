//! Human-readable and JSON forms of a [`Plan`].
//!
//! ```
//! assert_eq!(asmd::install::plan::human_bytes(763_716_294), "763.7 MB");
//! ```

use serde_json::{json, Value};

use super::{host_of, DatasetPlan, FetchPlan, Plan};

/// `1.5 GB`-style size (powers of 1000, as download pages write them).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `1 h 05 min`-style duration.
pub fn human_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

impl Plan {
    /// True when some chosen dataset needs shell lines.
    pub fn needs_shell(&self) -> bool {
        self.datasets.iter().any(|d| !d.shell_lines.is_empty())
    }

    /// Sources that could not be checked: (dataset, URL, error).
    pub fn source_errors(&self) -> Vec<(&str, &str, &str)> {
        let mut out: Vec<(&str, &str, &str)> = Vec::new();
        for d in &self.datasets {
            for f in &d.fetches {
                if let Some(e) = &f.error {
                    out.push((&d.name, &f.url, e));
                }
            }
        }
        if let Some(g) = &self.ground_truth {
            if let Some(e) = &g.error {
                out.push(("ground truth", &g.url, e));
            }
        }
        out
    }

    /// Problems that will stop the install (unreachable sources, not enough space).
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .source_errors()
            .into_iter()
            .map(|(d, url, e)| {
                if d == "ground truth" {
                    format!(
                        "ground truth: {url}: {e}. {}",
                        crate::install::gt_archive::convert_hint(&self.selection.join(" "))
                    )
                } else {
                    format!("{d}: {url}: {e}")
                }
            })
            .collect();
        out.extend(self.other_problems());
        out
    }

    /// The problems that are not a source's error (archives that would be refused, not
    /// enough space).
    fn other_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.datasets {
            for f in &d.fetches {
                if let (Some(size), Some(unpacked)) = (f.size, f.unpacked) {
                    if unpacked > crate::install::unpack::expansion_limit(size) {
                        out.push(format!(
                            "{}: {}: lists {} unpacked from {}, more than {}x: it would be refused as a zip bomb",
                            d.name,
                            f.url,
                            human_bytes(unpacked),
                            human_bytes(size),
                            crate::install::unpack::EXPANSION_RATIO
                        ));
                    }
                }
            }
        }
        if let Some((p, Some(free))) = self.free_space.first() {
            if *free < self.disk_needed {
                out.push(format!(
                    "not enough free space at {}: {} needed, {} free",
                    p.display(),
                    human_bytes(self.disk_needed),
                    human_bytes(*free)
                ));
            }
        }
        out
    }

    /// A human-readable table.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "{:<20} {:<10} {:>12} {:>12}  source\n",
            "dataset", "state", "download", "unpacked"
        ));
        let size = |f: &FetchPlan| match f.size {
            Some(n) if f.on_disk > 0 && f.on_disk < n => {
                format!("{} left", human_bytes(n - f.on_disk))
            }
            Some(n) if f.on_disk >= n => "on disk".to_string(),
            Some(n) => human_bytes(n),
            None => "unknown".into(),
        };
        for d in &self.datasets {
            if !d.install {
                s.push_str(&format!(
                    "{:<20} {:<10} {:>12} {:>12}  (nothing to do)\n",
                    d.name,
                    d.state.name(),
                    "-",
                    "-"
                ));
                continue;
            }
            if d.fetches.is_empty() {
                s.push_str(&format!(
                    "{:<20} {:<10} {:>12} {:>12}  {}\n",
                    d.name,
                    d.state.name(),
                    "-",
                    "-",
                    d.steps.join("; ")
                ));
            }
            let many = d.fetches.len() > 4;
            if many {
                let total: u64 = d.fetches.iter().map(|f| f.size.unwrap_or(0)).sum();
                let unknown = d.fetches.iter().filter(|f| f.size.is_none()).count();
                s.push_str(&format!(
                    "{:<20} {:<10} {:>12} {:>12}  {} files from {}{}\n",
                    d.name,
                    d.state.name(),
                    human_bytes(total),
                    "-",
                    d.fetches.len(),
                    d.fetches
                        .first()
                        .map(|f| {
                            if f.origin.starts_with("mirror") {
                                "the mirror".to_string()
                            } else {
                                host_of(&f.url)
                            }
                        })
                        .unwrap_or_default(),
                    if unknown > 0 {
                        format!(" ({unknown} of unknown size)")
                    } else {
                        String::new()
                    }
                ));
            } else {
                for (i, f) in d.fetches.iter().enumerate() {
                    let (n, st) = if i == 0 {
                        (d.name.as_str(), d.state.name())
                    } else {
                        ("", "")
                    };
                    s.push_str(&format!(
                        "{:<20} {:<10} {:>12} {:>12}  {}\n",
                        n,
                        st,
                        size(f),
                        f.unpacked.map(human_bytes).unwrap_or_else(|| "-".into()),
                        f.origin
                    ));
                }
            }
            for f in &d.fetches {
                if let Some(e) = &f.error {
                    s.push_str(&format!("{:<20} error: {e}\n", ""));
                }
            }
        }
        if let Some(g) = &self.ground_truth {
            s.push_str(&format!(
                "{:<20} {:<10} {:>12} {:>12}  {}\n",
                "ground truth",
                "",
                size(g),
                "-",
                g.origin
            ));
            if let Some(e) = &g.error {
                s.push_str(&format!("{:<20} error: {e}\n", ""));
            }
        }
        s.push_str(&format!(
            "\nto download: {}{}\n",
            human_bytes(self.download_bytes),
            if self.unknown_sizes > 0 {
                format!(" (+ {} files of unknown size)", self.unknown_sizes)
            } else {
                String::new()
            }
        ));
        s.push_str(&format!(
            "disk needed: about {}\n",
            human_bytes(self.disk_needed)
        ));
        for (p, f) in &self.free_space {
            s.push_str(&format!(
                "free space:  {} at {}\n",
                f.map(human_bytes).unwrap_or_else(|| "unknown".into()),
                p.display()
            ));
        }
        match (self.throughput, self.estimated_seconds) {
            (Some(t), Some(secs)) => s.push_str(&format!(
                "throughput:  {}/s measured; estimated download time {}\n",
                human_bytes(t as u64),
                human_duration(secs)
            )),
            (_, Some(secs)) => s.push_str(&format!(
                "estimated download time {}\n",
                human_duration(secs)
            )),
            _ => {
                s.push_str("estimated download time: unknown (throughput could not be measured)\n")
            }
        }
        let shell: Vec<&DatasetPlan> = self
            .datasets
            .iter()
            .filter(|d| !d.shell_lines.is_empty())
            .collect();
        if !shell.is_empty() {
            s.push_str("\nshell lines these definitions run (need your consent):\n");
            for d in shell {
                for l in &d.shell_lines {
                    s.push_str(&format!("  [{}] {l}\n", d.name));
                }
            }
        }
        // the sources' errors are in the table: sum them up, say what to do
        let errors = self.source_errors();
        if !errors.is_empty() {
            let unresolved = errors
                .iter()
                .filter(|(_, _, e)| e.contains("name resolution failed"))
                .count();
            s.push_str(&format!(
                "problem: {} source(s) could not be checked (errors above)\n",
                errors.len()
            ));
            if unresolved == errors.len() {
                s.push_str("         no host name could be resolved: is this machine offline? Run again once online, or point --mirror at a folder or server holding the archives.\n");
            }
            if self
                .ground_truth
                .as_ref()
                .is_some_and(|g| g.error.is_some())
            {
                s.push_str(&format!(
                    "         {}\n",
                    crate::install::gt_archive::convert_hint(&self.selection.join(" "))
                ));
            }
        }
        for p in self.other_problems() {
            s.push_str(&format!("problem: {p}\n"));
        }
        s
    }

    /// The plan as JSON (for `--json`).
    pub fn to_json(&self) -> Value {
        let f = |f: &FetchPlan| {
            json!({"url": f.url, "name": f.name, "origin": f.origin, "size": f.size, "on_disk": f.on_disk,
                   "unpacked": f.unpacked, "error": f.error, "throughput": f.throughput})
        };
        json!({
            "datasets": self.datasets.iter().map(|d| json!({
                "name": d.name, "state": d.state.name(), "install": d.install, "steps": d.steps,
                "fetches": d.fetches.iter().map(f).collect::<Vec<_>>(), "shell_lines": d.shell_lines,
            })).collect::<Vec<_>>(),
            "ground_truth": self.ground_truth.as_ref().map(f),
            "download_bytes": self.download_bytes,
            "unknown_sizes": self.unknown_sizes,
            "disk_needed": self.disk_needed,
            "free_space": self.free_space.iter().map(|(p, f)| json!({"path": p, "bytes": f})).collect::<Vec<_>>(),
            "throughput": self.throughput,
            "estimated_seconds": self.estimated_seconds,
            "problems": self.problems(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(108_445_099_632), "108.4 GB");
        assert_eq!(human_duration(59.4), "59 s");
        assert_eq!(human_duration(3725.0), "1 h 02 min");
    }
}

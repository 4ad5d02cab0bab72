//! Dev tool: match every score/performance pair of a folder laid out like ASAP and
//! write the matched notes to a JSON file, so that evaluations can be rerun in seconds
//! (`eval_json`) instead of rematching (minutes).
//!
//! `cargo run --release -p asmd --example dump_matches -- <asap dir> <out.json>`
//!
//! One object per pair: `name`, `piece`, `pairs` (matched notes: pitch, score onset,
//! score offset, performance onset, performance offset), `score` and `perf` (all notes).

use asmd::misalign::{match_notes, pairs_from_dir, MatchOptions};
use rayon::prelude::*;
use std::io::Write;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let out = std::env::args().nth(2).unwrap();
    let pairs = pairs_from_dir(dir.as_ref()).unwrap();
    let res: Vec<String> =
        pairs
            .par_iter()
            .filter_map(|p| {
                let m = match_notes(&p.score, &p.perf, &MatchOptions::default()).ok()?;
                let rows: Vec<String> = m
                    .pairs
                    .iter()
                    .map(|&(i, j)| {
                        let s = p.score[i];
                        let q = p.perf[j];
                        format!(
                            "[{},{},{},{},{}]",
                            s.pitch, s.onset, s.offset, q.onset, q.offset
                        )
                    })
                    .collect();
                let so: Vec<String> = p
                    .score
                    .iter()
                    .map(|n| format!("[{},{},{}]", n.pitch, n.onset, n.offset))
                    .collect();
                let po: Vec<String> = p
                    .perf
                    .iter()
                    .map(|n| format!("[{},{},{}]", n.pitch, n.onset, n.offset))
                    .collect();
                Some(format!(
                "{{\"name\":\"{}\",\"piece\":\"{}\",\"pairs\":[{}],\"score\":[{}],\"perf\":[{}]}}",
                p.name, p.piece, rows.join(","), so.join(","), po.join(",")
            ))
            })
            .collect();
    let mut f = std::fs::File::create(out).unwrap();
    writeln!(f, "[{}]", res.join(",\n")).unwrap();
}

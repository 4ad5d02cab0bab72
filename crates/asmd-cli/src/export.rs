//! `asmd export parquet` (and the other export formats).

use serde_json::json;

use crate::args::{ExportCommand, Global, ParquetArgs};
use crate::output::print_json;
use asmd::export::{self, ExportOptions, Tables};

pub fn run(g: &Global, c: &ExportCommand) -> anyhow::Result<i32> {
    match c {
        ExportCommand::Parquet(a) => parquet(g, a),
    }
}

fn parquet(g: &Global, a: &ParquetArgs) -> anyhow::Result<i32> {
    let d = crate::query::select(g, &a.query)?;
    let opts = ExportOptions {
        audio_durations: !a.no_audio_durations,
        require_gt: a.require_gt,
    };
    let tables = export::tables(&d, &opts)?;
    let written = export::parquet::write(&tables, &a.out, a.overwrite)?;
    let without_gt: usize = tables
        .iter()
        .map(|t| t.songs.gt_present.iter().filter(|p| !**p).count())
        .sum();
    if g.json {
        let rows: serde_json::Map<String, serde_json::Value> = Tables::NAMES
            .iter()
            .zip(written.rows)
            .map(|(n, r)| (n.to_string(), json!(r)))
            .collect();
        print_json(&json!({
            "out": a.out, "datasets": tables.iter().map(|t| &t.dataset).collect::<Vec<_>>(),
            "rows": rows, "songs_without_ground_truth": without_gt,
            "files": written.files,
        }));
    } else {
        let parts: Vec<String> = Tables::NAMES
            .iter()
            .zip(written.rows)
            .map(|(n, r)| format!("{r} {n}"))
            .collect();
        crate::outln!(
            "wrote {} ({} datasets): {}",
            a.out.display(),
            tables.len(),
            parts.join(", ")
        );
        if without_gt > 0 {
            crate::outln!("  {without_gt} songs have no ground truth on disk (gt_present = false)");
        }
    }
    Ok(0)
}

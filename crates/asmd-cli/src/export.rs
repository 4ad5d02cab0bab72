//! `asmd export parquet` (and the other export formats).

use serde_json::json;

use crate::args::{ExportCommand, Global, ParquetArgs, PlotArgs, ShardsArgs};
use crate::output::print_json;
use asmd::export::{self, ExportOptions, Tables};

pub fn run(g: &Global, c: &ExportCommand) -> anyhow::Result<i32> {
    match c {
        ExportCommand::Parquet(a) => parquet(g, a),
        ExportCommand::Shards(a) => shards(g, a),
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

fn score_types(flag: &str, names: &[String]) -> asmd::Result<Vec<asmd::ScoreType>> {
    names
        .iter()
        .map(|name| {
            asmd::ScoreType::parse(name.trim()).ok_or_else(|| {
                asmd::Error::argument(format!(
                    "{flag}: unknown score type `{name}` (precise_alignment, broad_alignment, misaligned, score)"
                ))
            })
        })
        .collect()
}

/// `asmd plot`.
pub fn plot(g: &Global, a: &PlotArgs) -> anyhow::Result<i32> {
    let d = crate::query::select(g, &a.query)?;
    if a.index >= d.len() {
        anyhow::bail!(asmd::Error::argument(format!(
            "--index {}: the query selects {} songs",
            a.index,
            d.len()
        )));
    }
    let defaults = asmd::plot::PlotOptions::default();
    let opts = asmd::plot::PlotOptions {
        types: if a.types.is_empty() {
            defaults.types
        } else {
            score_types("--types", &a.types)?
        },
        overlay: a.overlay,
        color_by: asmd::plot::ColorBy::parse(&a.color_by)?,
        waveform: a.waveform,
        width: a.width,
        height: a.height,
        start: a.start,
        end: a.end,
    };
    asmd::plot::plot_song(&d, a.index, &opts, &a.out)?;
    let (def, song) = d.song(a.index)?;
    if g.json {
        print_json(&json!({"out": a.out, "dataset": def.name, "title": song.title}));
    } else {
        crate::outln!("wrote {} ({} / {})", a.out.display(), def.name, song.title);
    }
    Ok(0)
}

fn shards(g: &Global, a: &ShardsArgs) -> anyhow::Result<i32> {
    let d = crate::query::select(g, &a.query)?;
    let score_type = score_types("--score-type", &a.score_type)?;
    let quality = match a.quality.as_str() {
        "hq" => asmd::audio::Quality::High,
        "fast" => asmd::audio::Quality::Fast,
        q => anyhow::bail!(asmd::Error::argument(format!(
            "--quality: `{q}` is not hq or fast"
        ))),
    };
    let opts = export::ShardOptions {
        sample_rate: a.sr,
        quality,
        max_shard_bytes: a.max_shard_size,
        seed: a.shuffle,
        score_type,
        float: a.float,
        progress: !a.quiet && !g.json,
    };
    let r = export::write_shards(&d, &a.out, &opts)?;
    if g.json {
        print_json(&json!({
            "out": a.out, "shards": r.shards, "samples": r.samples, "resumed": r.resumed,
            "skipped": r.skipped.iter().map(|(k, why)| json!({"key": k, "reason": why})).collect::<Vec<_>>(),
        }));
    } else {
        crate::outln!(
            "wrote {} samples in {} shards to {}{}",
            r.samples,
            r.shards.len(),
            a.out.display(),
            if r.resumed > 0 {
                format!(" ({} shards kept from an earlier run)", r.resumed)
            } else {
                String::new()
            }
        );
        for (k, why) in &r.skipped {
            crate::outln!("  skipped {k}: {why}");
        }
    }
    Ok(0)
}

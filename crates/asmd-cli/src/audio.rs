//! `asmd audio info` and `asmd audio export`.

use std::path::PathBuf;

use serde_json::json;

use crate::args::{AudioCommand, AudioExportArgs, AudioInfoArgs, Global};
use crate::output::{print_json, Table};
use asmd::audio::{self, DecodeOptions, Quality};

pub fn run(g: &Global, c: &AudioCommand) -> anyhow::Result<i32> {
    match c {
        AudioCommand::Info(a) => info(g, a),
        AudioCommand::Export(a) => export(g, a),
    }
}

fn info(g: &Global, a: &AudioInfoArgs) -> anyhow::Result<i32> {
    let files: Vec<(String, PathBuf)> = if a.files.is_empty() {
        let d = crate::query::select(g, &a.query)?;
        let mut v = Vec::new();
        for (i, p) in d.paths().iter().enumerate() {
            let (def, song) = d.song(i)?;
            for m in &p.mixed {
                v.push((format!("{} / {}", def.name, song.title), d.full_path(m)));
            }
        }
        v
    } else {
        a.files.iter().map(|f| (String::new(), f.clone())).collect()
    };
    let mut rows = Vec::new();
    let mut failed = 0;
    for (song, path) in &files {
        match audio::info(path) {
            Ok(i) => rows.push((song, path, Ok(i))),
            Err(e) => {
                failed += 1;
                rows.push((song, path, Err(e)))
            }
        }
    }
    if g.json {
        let v: Vec<_> = rows
            .iter()
            .map(|(song, path, r)| match r {
                Ok(i) => json!({"song": song, "path": path, "duration": i.duration,
                    "bitrate": i.bitrate, "sample_rate": i.sample_rate, "channels": i.channels,
                    "frames": i.frames, "codec": i.codec}),
                Err(e) => json!({"song": song, "path": path, "error": e.to_string()}),
            })
            .collect();
        print_json(&json!(v));
    } else {
        let mut t = Table::new(&["file", "duration s", "kb/s", "Hz", "ch", "codec"]);
        for (_, path, r) in &rows {
            match r {
                Ok(i) => t.row(vec![
                    path.display().to_string(),
                    format!("{:.3}", i.duration),
                    format!("{:.0}", i.bitrate),
                    i.sample_rate.to_string(),
                    i.channels.to_string(),
                    i.codec.clone(),
                ]),
                Err(e) => eprintln!("error: {e}"),
            }
        }
        crate::out!("{}", t.render());
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn export(g: &Global, a: &AudioExportArgs) -> anyhow::Result<i32> {
    let d = crate::query::select(g, &a.query)?;
    let opts = DecodeOptions {
        sample_rate: a.sr,
        quality: Quality::parse(&a.quality)?,
        ..Default::default()
    };
    // one name per song, decided (and checked for collisions) before anything is written
    let names = asmd::export::names::song_files(&d, "wav")?;
    std::fs::create_dir_all(&a.out).map_err(|e| asmd::Error::io(&a.out, e))?;
    let progress = !a.quiet && !g.json;
    let results = d.parallel(
        |i, d| -> asmd::Result<(String, PathBuf, bool)> {
            let (def, song) = d.song(i)?;
            let rel = names
                .get(i)
                .ok_or_else(|| asmd::Error::argument(format!("item {i} has no file name")))?;
            let path = a.out.join(rel);
            let label = format!("{} / {}", def.name, song.title);
            if path.exists() && !a.force {
                return Ok((label, path, false));
            }
            let (x, sr) = d.get_mix(i, &opts)?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| asmd::Error::io(dir, e))?;
            }
            audio::write_wav(&path, &[&x], sr, a.float)?;
            Ok((label, path, true))
        },
        progress,
    );
    let (mut written, mut kept, mut failed) = (0, 0, 0);
    let mut report = Vec::new();
    for r in &results {
        match r {
            Ok((song, path, w)) => {
                if *w {
                    written += 1
                } else {
                    kept += 1
                }
                report.push(json!({"song": song, "path": path, "written": w}));
            }
            Err(e) => {
                failed += 1;
                if !g.json {
                    eprintln!("error: {e}");
                }
                report.push(json!({"error": e.to_string()}));
            }
        }
    }
    if g.json {
        print_json(&json!({"written": written, "kept": kept, "failed": failed, "files": report}));
    } else {
        crate::outln!(
            "{written} written, {kept} kept from an earlier export (same song, same name; --force redoes them), {failed} failed -> {}",
            a.out.display()
        );
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

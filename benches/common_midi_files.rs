// Shared by the MIDI benchmarks: the list of performance files to convert.
//
// `ASMD_BENCH_MIDI` names a folder searched recursively for `.mid`/`.midi` files
// (default: shared/reference/asap-dev beside the repository, the 592 ASAP performances; score files named
// `midi_score.mid` are left out). Without it, the committed test fixtures are used so the
// benchmark still runs in a fresh clone.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("mid") || x.eq_ignore_ascii_case("midi"))
            && p.file_name().is_some_and(|n| n != "midi_score.mid")
        {
            out.push(p);
        }
    }
}

pub fn midi_files() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: Vec<PathBuf> = match std::env::var_os("ASMD_BENCH_MIDI") {
        Some(d) => vec![PathBuf::from(d)],
        // shared/ beside the repository (or beside the folder of worktrees)
        None => ["../../../shared", "../../../../shared"]
            .iter()
            .map(|s| manifest.join(s).join("reference/asap-dev"))
            .collect(),
    };
    let mut files = Vec::new();
    for d in dirs {
        if files.is_empty() {
            walk(&d, &mut files);
        }
    }
    if files.is_empty() {
        walk(&manifest.join("tests/fixtures/midi"), &mut files);
    }
    files.sort();
    files
}

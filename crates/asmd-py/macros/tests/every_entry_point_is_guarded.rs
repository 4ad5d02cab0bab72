//! Every Python entry point of the bindings carries the panic net: each `#[pyfunction]`
//! and `#[pymethods]` in `crates/asmd-py/src` comes right after `#[guard]`.

use std::path::Path;

#[test]
fn every_entry_point_is_guarded() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut entry_points = 0;
    let mut bare = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            if *line == "#[pyfunction]" || *line == "#[pymethods]" {
                entry_points += 1;
                if i == 0 || lines[i - 1] != "#[guard]" {
                    bare.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(entry_points > 30, "found only {entry_points} entry points");
    assert!(
        bare.is_empty(),
        "entry points without #[guard] (a panic there would reach Python): {bare:?}"
    );
}

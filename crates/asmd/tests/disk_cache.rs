//! The on-disk cache of parsed ground truth (`asmd::ground_truth::disk_cache`), in a
//! process of its own: its folder and size bound are process-wide settings, so the tests
//! here take turns.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use asmd::ground_truth::{disk_cache, IntColumns};
use asmd::GroundTruth;

static TURN: Mutex<()> = Mutex::new(());

/// This test's turn, a temporary folder and an empty cache in `folder/cache` with a
/// large size bound.
fn fresh() -> (
    std::sync::MutexGuard<'static, ()>,
    tempfile::TempDir,
    PathBuf,
) {
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    disk_cache::set_dir(Some(cache.clone()));
    disk_cache::set_budget(1 << 30);
    (turn, tmp, cache)
}

/// A ground truth with every kind of field, `n` notes.
fn sample(n: usize, seed: f64) -> GroundTruth {
    let mut gt = GroundTruth {
        instrument: 40,
        ..Default::default()
    };
    for i in 0..n {
        let t = i as f64 * 0.37 + seed;
        gt.precise_alignment
            .push_note(60.0 + (i % 12) as f64, t, t + 0.25, Some(64.0));
        gt.score.push_note(
            60.0 + (i % 12) as f64,
            i as f64 * 0.5,
            i as f64 * 0.5 + 0.5,
            None,
        );
    }
    gt.score.beats = (0..n).map(|i| i as f64 * 0.5).collect();
    gt.score.int_columns = IntColumns::PITCHES;
    gt.missing = vec![false; n];
    gt.extra = vec![true; n];
    gt.sustain.times = vec![0.0, 1.5 + seed];
    gt.sustain.values = vec![127.0, 0.0];
    gt.other.insert(
        "annotator".into(),
        serde_json::json!({"name": "x", "pass": [1, 2.5]}),
    );
    gt
}

/// Write `gt` to `dir/name` with the cache off (writing stores the entry otherwise);
/// returns the path and what reading the file gives (the writer normalises a few
/// things, e.g. which columns are integers).
fn write(dir: &Path, name: &str, gt: &GroundTruth) -> (PathBuf, GroundTruth) {
    let cache = disk_cache::dir();
    disk_cache::set_dir(None);
    let p = dir.join(name);
    gt.write_path(&p).unwrap();
    let back = GroundTruth::from_path(&p).unwrap();
    disk_cache::set_dir(cache);
    (p, back)
}

fn entry_files(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "bin"));
    v.sort();
    v
}

#[test]
fn first_load_parses_and_stores_later_loads_read_the_entry() {
    let (_t, tmp, cache) = fresh();
    let (p, gt) = write(tmp.path(), "song-0.json.gz", &sample(50, 0.0));

    assert_eq!(disk_cache::load(&p).unwrap(), gt);
    let entries = entry_files(&cache);
    assert_eq!(entries.len(), 1);
    let info = disk_cache::info().unwrap();
    assert_eq!(
        (info.files, info.dir.as_deref()),
        (1, Some(cache.as_path()))
    );
    assert_eq!(info.bytes, std::fs::metadata(&entries[0]).unwrap().len());

    // a hit reads the entry, not the JSON: swap in another ground truth's entry
    let other = sample(3, 100.0);
    std::fs::write(&entries[0], other.to_binary()).unwrap();
    assert_eq!(disk_cache::load(&p).unwrap(), other);

    // gone: parsed again and stored again
    std::fs::remove_file(&entries[0]).unwrap();
    assert_eq!(disk_cache::load(&p).unwrap(), gt);
    assert_eq!(entry_files(&cache), entries);
}

#[test]
fn an_edited_file_is_parsed_again_and_a_copy_shares_the_entry() {
    let (_t, tmp, cache) = fresh();
    let (p, _) = write(tmp.path(), "a-0.json.gz", &sample(20, 0.0));
    disk_cache::load(&p).unwrap();
    let (_, edited) = write(tmp.path(), "a-0.json.gz", &sample(21, 0.5));
    assert_eq!(disk_cache::load(&p).unwrap(), edited);
    assert_eq!(entry_files(&cache).len(), 2);
    // the same bytes elsewhere (a copied dataset): no new entry
    let copy = tmp.path().join("elsewhere/a-0.json.gz");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&p, &copy).unwrap();
    assert_eq!(disk_cache::load(&copy).unwrap(), edited);
    assert_eq!(entry_files(&cache).len(), 2);
}

#[test]
fn a_damaged_entry_is_replaced_and_never_returned() {
    let (_t, tmp, cache) = fresh();
    let (p, gt) = write(tmp.path(), "b-0.json.gz", &sample(40, 0.0));
    disk_cache::load(&p).unwrap();
    let entry = entry_files(&cache).remove(0);
    let good = std::fs::read(&entry).unwrap();

    let mut flipped = good.clone();
    let k = flipped.len() / 2;
    flipped[k] ^= 0x10;
    let damages: [Vec<u8>; 3] = [good[..good.len() / 2].to_vec(), flipped, Vec::new()];
    for bad in damages {
        std::fs::write(&entry, &bad).unwrap();
        assert_eq!(disk_cache::load(&p).unwrap(), gt);
        assert_eq!(std::fs::read(&entry).unwrap(), good, "entry rewritten");
    }
}

#[test]
fn bad_ground_truth_is_the_same_error_and_stores_nothing() {
    let (_t, tmp, cache) = fresh();
    let p = tmp.path().join("bad-0.json.gz");
    std::fs::write(&p, b"{\"score\": {\"onsets\": [0.5, oops]}}").unwrap();
    let ours = disk_cache::load(&p).unwrap_err();
    let direct = GroundTruth::from_path(&p).unwrap_err();
    assert_eq!(ours.to_string(), direct.to_string());
    assert!(ours.to_string().contains("$.score.onsets[1]"), "{ours}");
    assert!(entry_files(&cache).is_empty());
    let missing = disk_cache::load(&tmp.path().join("none-0.json.gz")).unwrap_err();
    assert_eq!(missing.kind(), asmd::ErrorKind::NotFound);
}

#[test]
fn a_cache_that_cannot_be_written_is_skipped() {
    let (_t, tmp, _) = fresh();
    // the cache folder would have to be inside a regular file
    let blocker = tmp.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    disk_cache::set_dir(Some(blocker.join("cache")));
    let (p, gt) = write(tmp.path(), "c-0.json.gz", &sample(10, 0.0));
    for _ in 0..3 {
        assert_eq!(disk_cache::load(&p).unwrap(), gt);
    }
    // off: nothing anywhere, loads still work
    disk_cache::set_dir(None);
    assert_eq!(disk_cache::load(&p).unwrap(), gt);
    let info = disk_cache::info().unwrap();
    assert_eq!((info.dir, info.files), (None, 0));
    assert_eq!(disk_cache::clear().unwrap(), 0);
}

#[test]
fn the_size_bound_removes_the_oldest_entries() {
    let (_t, tmp, cache) = fresh();
    let files: Vec<PathBuf> = (0..6)
        .map(|i| {
            write(
                tmp.path(),
                &format!("s{i}-0.json.gz"),
                &sample(200, i as f64),
            )
            .0
        })
        .collect();
    let one = sample(200, 0.0).to_binary().len() as u64;
    disk_cache::set_budget(3 * one + one / 2);
    // a foreign file, older than every entry: never evicted, never counted
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("model.bin"), vec![0u8; 10 * one as usize]).unwrap();
    for f in &files {
        disk_cache::load(f).unwrap();
        // distinct modification times even on coarse clocks
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let info = disk_cache::info().unwrap();
    assert!(info.bytes <= 3 * one + one / 2, "{info:?}");
    assert!(info.files >= 2, "{info:?}");
    // the newest survives, the first went
    let key_of = |f: &Path| {
        let before = entry_files(&cache);
        disk_cache::load(f).unwrap();
        entry_files(&cache) == before
    };
    assert!(cache.join("model.bin").exists());
    assert!(key_of(&files[5]), "newest entry kept");
    assert!(
        !key_of(&files[0]),
        "oldest entry evicted (loading it stores it again)"
    );
}

#[test]
fn clear_empties_the_folder_and_threads_share_it() {
    let (_t, tmp, cache) = fresh();
    let (files, gts): (Vec<PathBuf>, Vec<GroundTruth>) = (0..4)
        .map(|i| {
            write(
                tmp.path(),
                &format!("t{i}-0.json.gz"),
                &sample(300, i as f64),
            )
        })
        .unzip();
    // eight threads, each loading every file twice, concurrently
    std::thread::scope(|s| {
        for k in 0..8 {
            let (files, gts) = (&files, &gts);
            s.spawn(move || {
                for r in 0..8 {
                    let i = (k + r) % 4;
                    assert_eq!(disk_cache::load(&files[i]).unwrap(), gts[i]);
                }
            });
        }
    });
    assert_eq!(entry_files(&cache).len(), 4);
    // a leftover of an interrupted write is removed by clear too
    std::fs::write(cache.join(".0123456789abcdef-1f.bin.tmp999-0"), b"partial").unwrap();
    // files that are not entries are never touched
    let foreign = ["model.bin", "abc-1.bin", ".x.bin.tmp1-0", "notes.txt"];
    for f in foreign {
        std::fs::write(cache.join(f), b"keep me").unwrap();
    }
    assert_eq!(disk_cache::clear().unwrap(), 4);
    let mut left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut want: Vec<String> = foreign.iter().map(|f| f.to_string()).collect();
    want.sort();
    assert_eq!(left, want);
    assert_eq!(disk_cache::info().unwrap().files, 0);
    // and it fills again
    assert_eq!(disk_cache::load(&files[0]).unwrap(), gts[0]);
    assert_eq!(disk_cache::info().unwrap().files, 1);
}

#[test]
fn files_asmd_writes_are_cached_as_they_are_written() {
    let (_t, tmp, cache) = fresh();
    let p = tmp.path().join("w-0.json.gz");
    sample(30, 0.0).write_path(&p).unwrap();
    let entries = entry_files(&cache);
    assert_eq!(entries.len(), 1);
    // the entry holds what parsing the file gives, not the object that was written
    let parsed = GroundTruth::from_path(&p).unwrap();
    assert_eq!(
        GroundTruth::from_binary(&std::fs::read(&entries[0]).unwrap(), "e").unwrap(),
        parsed
    );
    // and the first load reads it
    let other = sample(2, 9.0);
    std::fs::write(&entries[0], other.to_binary()).unwrap();
    assert_eq!(disk_cache::load(&p).unwrap(), other);
    // plain JSON too
    let j = tmp.path().join("w-1.json");
    sample(5, 1.0).write_path(&j).unwrap();
    assert_eq!(entry_files(&cache).len(), 2);
    assert_eq!(
        disk_cache::load(&j).unwrap(),
        GroundTruth::from_path(&j).unwrap()
    );
}

#[test]
fn ground_truth_from_an_archive_is_prepared_at_install() {
    let (_t, tmp, cache) = fresh();
    // a ground-truth archive as the reference's: dataset folder, then files
    let src = tmp.path().join("src");
    let mut expected = Vec::new();
    for i in 0..3 {
        let (p, gt) = write(
            &src,
            &format!("Demo/song{i}-0.json.gz"),
            &sample(100 + i, i as f64),
        );
        expected.push((p, gt));
    }
    std::fs::write(src.join("Demo/broken-0.json.gz"), b"{\"score\": [").unwrap();
    let archive = tmp.path().join("gt.tar.gz");
    {
        let f = std::fs::File::create(&archive).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all("Demo", src.join("Demo")).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let def = asmd::Definition::from_json_str(
        r#"{"name": "Demo", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
            "ground_truth": {"all": {"precise_alignment": 1}}, "songs": []}"#,
        "demo.json",
    )
    .unwrap();
    let install = tmp.path().join("install");
    std::fs::create_dir_all(install.join("Demo")).unwrap();
    let counts = asmd::install::gt_archive::extract(
        &archive,
        asmd::install::unpack::ArchiveFormat::TarGz,
        &[&def],
        &install,
    )
    .unwrap();
    assert_eq!(counts, vec![("Demo".to_string(), 4)]);
    // one entry per readable file, each what parsing the installed file gives
    assert_eq!(entry_files(&cache).len(), 3);
    for (p, gt) in &expected {
        let installed = install.join(p.strip_prefix(&src).unwrap());
        let before = entry_files(&cache);
        assert_eq!(&disk_cache::load(&installed).unwrap(), gt);
        assert_eq!(entry_files(&cache), before, "a hit, nothing stored");
    }
}

//! What the installer tells a user: unresolvable hosts fail at once, the plan checks
//! its sources concurrently and shows the sizes the definitions give first, the URL
//! actually used is logged, failures name the option that gets past them, and
//! `python -m asmd...` in legacy shell lines never runs the first `python` on PATH.

mod install_support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use asmd::install::download::{Http, NetOptions};
use asmd::install::{install, Event, GtMode, GtSource, Mirror, Observer, Outcome};
use install_support::*;
use serde_json::json;

fn failed(o: &Outcome) -> &asmd::Error {
    match o {
        Outcome::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// An observer keeping every message and progress event as text.
fn watcher() -> (Observer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let o: Observer = Arc::new(move |e: &Event| {
        let line = match e {
            Event::Message { dataset, text } => {
                format!("message [{}] {text}", dataset.unwrap_or(""))
            }
            Event::Progress {
                dataset,
                task,
                done,
                total,
            } => format!("progress [{dataset}] {task} {done}/{total:?}"),
            Event::Finished { dataset, outcome } => {
                format!("finished [{dataset}] {}", outcome.name())
            }
        };
        s.lock().unwrap().push(line);
    });
    (o, seen)
}

/// RFC 6761 guarantees `.invalid` never resolves.
const NOWHERE: &str = "http://nonexistent.invalid/archive.zip";

#[test]
fn an_unresolvable_host_fails_at_once_without_retries() {
    // many retries with a long backoff: a retry loop would show in the message
    let http = Http::new(NetOptions {
        retries: 5,
        backoff: std::time::Duration::from_millis(20),
        ..NetOptions::default()
    });
    let e = http.probe(NOWHERE).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("name resolution failed"), "{m}");
    assert!(
        m.contains("`nonexistent.invalid`") && m.contains("not retried"),
        "{m}"
    );
    assert!(!m.contains("gave up after"), "retried: {m}");

    // a transient failure is retried, and the message says how often
    let srv = Server::start();
    srv.put("slow.zip", zip_bytes(&[("s/x", b"x")]));
    srv.fault("slow.zip", Fault::Stall);
    let http = Http::new(NetOptions {
        retries: 1,
        backoff: std::time::Duration::from_millis(10),
        read_timeout: std::time::Duration::from_millis(200),
        ..NetOptions::default()
    });
    let e = http.probe(&srv.url("slow.zip")).unwrap_err();
    assert!(e.to_string().contains("gave up after 2 attempts"), "{e}");
    assert_eq!(srv.requests("slow.zip").len(), 2);

    // the same through an install and a dry run
    let dd = tmp();
    let def = parse_def(
        &definition(
            "far",
            &["far/x.wav"],
            json!({"url": NOWHERE, "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    o.net.retries = 5;
    let report = install(&o).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert!(e.to_string().contains("name resolution failed"), "{e}");
    o.dry_run = true;
    let plan = asmd::install::plan(&o).unwrap();
    let problems = plan.problems().join("\n");
    assert!(problems.contains("name resolution failed"), "{problems}");
}

#[test]
fn the_plan_shows_known_sizes_first_and_checks_sources_at_once() {
    let srv = Server::start();
    let dd = tmp();
    let mut defs = Vec::new();
    for i in 0..3u64 {
        let f = format!("d{i}.zip");
        let z = zip_bytes(&[("d/x.bin", &noise(1000, i))]);
        srv.put(&f, z.clone());
        srv.fault(&f, Fault::Delay(150));
        let name = format!("d{i}");
        let rec = format!("{name}/d/x.bin");
        // the first definition gives its size, the others do not
        let step = if i == 0 {
            json!({"op": "download", "url": srv.url(&f), "size": z.len()})
        } else {
            json!({"op": "download", "url": srv.url(&f)})
        };
        defs.push(parse_def(
            &definition(
                &name,
                &[&rec],
                json!({"steps": [step, {"op": "unpack", "archive": f}]}),
            ),
            dd.path(),
        ));
    }
    let inst = tmp();
    let mut o = options(inst.path(), defs);
    let (observer, seen) = watcher();
    o.observer = Some(observer);
    let plan = asmd::install::plan(&o).unwrap();
    assert!(plan.problems().is_empty(), "{:?}", plan.problems());
    assert!(plan.datasets.iter().all(|d| d.fetches[0].size.is_some()));
    let seen = seen.lock().unwrap().clone();
    // before anything is contacted: the sizes the definitions give
    let first = &seen[0];
    assert!(
        first.starts_with("message [] download sizes in the definitions: d0 ")
            && first.contains("d1 ?"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|l| l == "progress [plan] check sources 3/Some(3)"),
        "{seen:?}"
    );
    // three sources answering after 150 ms each were asked at the same time
    assert!(
        srv.state.lock().unwrap().max_active >= 2,
        "the sources were probed one after the other"
    );
}

#[test]
fn the_log_names_the_mirror_url_actually_used() {
    let mirror = Server::start();
    let data = noise(3_000, 12);
    mirror.put("m.zip", zip_bytes(&[("m/a.wav", &data)]));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "m",
            &["m/m/a.wav"],
            json!({"url": "http://127.0.0.1:9/deep/path/m.zip", "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    o.mirror = Some(Mirror::parse(&mirror.url("")));
    o.net.retries = 0;
    let (observer, seen) = watcher();
    o.observer = Some(observer);
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    let seen = seen.lock().unwrap().clone();
    let want = format!(
        "message [m] download m.zip from mirror {}",
        mirror.url("m.zip")
    );
    assert!(seen.contains(&want), "{want}\n{seen:#?}");
    assert!(
        !seen.iter().any(|l| l.contains("127.0.0.1:9/deep")),
        "the official URL was logged although the mirror served the file: {seen:#?}"
    );
}

#[test]
fn failures_name_the_option_that_gets_past_them() {
    let srv = Server::start();
    srv.put("part.zip", zip_bytes(&[("part/a.wav", b"a")]));
    let dd = tmp();
    // the definition lists a file the archive lacks
    let def = parse_def(
        &definition(
            "part",
            &["part/part/a.wav", "part/part/b.wav"],
            json!({"url": srv.url("part.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    let report = install(&o).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert!(e.to_string().contains("part/part/b.wav"), "{e}");
    assert!(
        e.to_string()
            .contains("`asmd install part --allow-missing`"),
        "{e}"
    );
    // the ground-truth archive cannot be fetched: rebuild it instead
    o.allow_missing = true;
    o.ground_truth = GtMode::Archive;
    o.gt_source = GtSource::url(&srv.url("no-such-ground_truth.tar.gz"));
    let report = install(&o).unwrap();
    assert!(report.datasets[0].outcome.ok());
    let gt = match &report.datasets[0].ground_truth {
        Some(Err(e)) => e.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(gt.contains("HTTP 404"), "{gt}");
    assert!(
        gt.contains("`asmd install part --ground-truth convert`"),
        "{gt}"
    );
    // and the plan says so too
    o.dry_run = true;
    o.force = true;
    let plan = asmd::install::plan(&o).unwrap();
    assert!(
        plan.problems()
            .iter()
            .any(|p| p.contains("--ground-truth convert")),
        "{:?}",
        plan.problems()
    );
}

/// A fake interpreter: a bash script appending its name and arguments to `log`.
fn fake_python(dir: &Path, name: &str, log: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "#!/usr/bin/env bash\necho \"{name} $*\" >> '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn shell_lines_run_asmd_modules_with_the_python_that_has_asmd() {
    let srv = Server::start();
    srv.put("s.zip", zip_bytes(&[("s/a.wav", b"a")]));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "s",
            &["s/s/a.wav"],
            json!({"url": srv.url("s.zip"), "unpack": true, "post-process": [
                "python -m asmd.convert_from_file --x 1",
                "python3 -m asmd",
                "python -c pass"
            ]}),
        ),
        dd.path(),
    );
    let bin = tmp();
    let log = bin.path().join("calls.log");
    // `python` and `python3` first on PATH are not the ones with asmd
    fake_python(bin.path(), "python", &log);
    fake_python(bin.path(), "python3", &log);
    let with_asmd = fake_python(bin.path(), "python-with-asmd", &log);
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    o.allow_shell = true;
    o.shell_env = vec![("PATH".into(), path)];
    o.python = Some(with_asmd);
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        [
            "python-with-asmd -m asmd.convert_from_file --x 1",
            "python-with-asmd -m asmd",
            "python -c pass", // anything else is left to PATH
        ]
    );

    // without a known interpreter the line fails and says what to do
    std::fs::remove_file(&log).unwrap();
    let inst = tmp();
    o.install_dir = inst.path().to_path_buf();
    o.python = None;
    o.shell_env.push(("ASMD_PYTHON".into(), String::new()));
    let report = install(&o).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert!(
        e.to_string().contains("needs the Python that has asmd"),
        "{e}"
    );
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("-m asmd"),
        "the PATH python ran an asmd module"
    );
}

#[test]
fn legacy_python_m_asmd_asap_is_the_built_in_step() {
    let srv = Server::start();
    srv.put(
        "maestro.zip",
        zip_bytes(&[
            ("maestro-v3.0.0/2006/p1.midi", b"perf1"),
            ("maestro-v3.0.0/2006/p1.wav", b"w1"),
        ]),
    );
    let mirror = tmp();
    let csv = "composer,midi_score,maestro_midi_performance\nA,A/x/midi_score.mid,{maestro}/2006/p1.midi\n";
    std::fs::write(
        mirror.path().join("asap-dataset-1.1.zip"),
        zip_bytes(&[
            ("asap-dataset-1.1/metadata.csv", csv.as_bytes()),
            ("asap-dataset-1.1/A/x/midi_score.mid", b"score1"),
        ]),
    )
    .unwrap();
    let dd = tmp();
    // ASMD 0.5.1's Maestro post-process, as shipped
    let def = parse_def(
        &definition(
            "Maestro",
            &["Maestro/maestro-v3.0.0/2006/p1.wav"],
            json!({"url": srv.url("maestro.zip"), "unpack": true, "post-process": [
                "cd &asmd_dir",
                "cd ..",
                "python -m asmd.asap",
                "# here `cd` command is needed to allow the execution even if asmd is not installed"
            ]}),
        ),
        dd.path(),
    );
    let bin = tmp();
    let log = bin.path().join("calls.log");
    fake_python(bin.path(), "python", &log);
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    o.allow_shell = true;
    o.python = None;
    o.mirror = Some(Mirror::Dir(mirror.path().to_path_buf()));
    o.shell_env = vec![
        (
            "PATH".into(),
            format!(
                "{}:{}",
                bin.path().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        ("ASMD_PYTHON".into(), String::new()),
    ];
    let asmd_dir = tmp();
    o.asmd_dir = Some(asmd_dir.path().to_path_buf());
    let (observer, seen) = watcher();
    o.observer = Some(observer);
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(
        read(inst.path().join("Maestro/maestro-v3.0.0/2006/p1.score.mid")),
        b"score1"
    );
    assert!(!log.exists(), "a `python` from PATH ran");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.contains("download asap-dataset-1.1.zip from mirror folder")),
        "{seen:#?}"
    );
}

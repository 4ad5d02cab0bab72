//! Dev tool: the held-out evaluation (`asmd stats evaluate`) on matches written by
//! `dump_matches`, printing one line per method (KS (a)-(d), inversion rate (e), L1,
//! times); `QUANT=1` also prints the whole result as JSON, `DRAWS=n` sets the generated
//! scores per song (default 5).
//!
//! `cargo run --release -p asmd --example eval_json -- <matches.json> [seed] [methods]`

use asmd::misalign::evaluate::{evaluate_with, EvalOptions};
use asmd::misalign::{Method, SongStats};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let seed: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1992);
    let methods: Vec<Method> = std::env::args()
        .nth(3)
        .map(|s| s.split(',').map(|m| m.parse().unwrap()).collect())
        .unwrap_or(Method::ALL.to_vec());
    let t0 = std::time::Instant::now();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut songs = Vec::new();
    for s in v.as_array().unwrap() {
        let rows: Vec<Vec<f64>> = s["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .filter(|r: &Vec<f64>| r[2] > r[1] && r[4] > r[3])
            .collect();
        if rows.len() < 8 {
            continue;
        }
        let col = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<f64>>();
        songs.push(
            SongStats::from_matched(
                s["name"].as_str().unwrap(),
                s["piece"].as_str().unwrap(),
                &col(0),
                &col(3),
                &col(4),
                &col(1),
                &col(2),
            )
            .unwrap(),
        );
    }
    eprintln!(
        "loaded {} songs in {:.1}s",
        songs.len(),
        t0.elapsed().as_secs_f64()
    );
    let ev = evaluate_with(
        &songs,
        &EvalOptions {
            seed,
            draws: std::env::var("DRAWS")
                .map(|d| d.parse().unwrap())
                .unwrap_or(5),
            methods,
        },
    )
    .unwrap();
    println!(
        "train {} test {} real inv {:.4} trainvstest KS(a) {:.3}",
        ev.train_songs, ev.test_songs, ev.real.inversion_rate, ev.real.span_ratio_train_vs_test
    );
    for m in &ev.methods {
        println!(
            "{:9} KS a {:.3} b {:.3} c {:.3} d {:.3} | inv {:.4} ({:.2}x) | L1 {:.3} ± {:.3} / {:.3} ± {:.3} | train {:.1}s gen {:.2}s",
            m.method, m.ks.span_ratio, m.ks.local_tempo, m.ks.duration_ratio, m.ks.chord_spread,
            m.inversion_rate, m.inversion_ratio, m.onsets_mean, m.onsets_std, m.offsets_mean, m.offsets_std,
            m.train_seconds, m.generate_seconds
        );
    }
    if std::env::var("QUANT").is_ok() {
        println!("{}", serde_json::to_string_pretty(&ev).unwrap());
    }
}

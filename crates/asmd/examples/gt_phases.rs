//! Time ground-truth loading (development aid).
//! `cargo run --release -p asmd --example gt_phases -- FILE.json.gz [from_path|manual] [N]`
use std::io::Read;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let mode = args.get(2).map(String::as_str).unwrap_or("from_path");
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut best = f64::MAX;
    for _ in 0..n {
        let t0 = Instant::now();
        let gt = if mode == "manual" {
            let raw = std::fs::read(path).unwrap();
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .unwrap();
            asmd::GroundTruth::from_json_slice(&out, path).unwrap()
        } else {
            asmd::GroundTruth::from_path(path).unwrap()
        };
        best = best.min(t0.elapsed().as_secs_f64());
        std::hint::black_box(gt);
    }
    println!("{mode}: best of {n}: {:.2} ms", best * 1e3);
}

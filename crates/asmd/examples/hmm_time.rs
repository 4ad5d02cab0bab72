use asmd::misalign::hmm::{GmmHmm, HmmOptions};
use rand::SeedableRng;
fn main() {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
    let seqs: Vec<Vec<f64>> = (0..2)
        .map(|_| {
            (0..2000)
                .map(|_| {
                    use rand::RngExt;
                    let u: f64 = rng.random();
                    (u - 0.5) * 3.0 + if u > 0.7 { 2.0 } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[f64]> = seqs.iter().map(|s| s.as_slice()).collect();
    let mut o = HmmOptions::onsets();
    o.max_iter = 3;
    let t = std::time::Instant::now();
    let h = GmmHmm::fit(&refs, &o, 1).unwrap();
    println!(
        "{} iterations, {} obs: {:.2}s ({:.3}s/iter)",
        h.iterations,
        h.observations,
        t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() / h.iterations as f64
    );
}

use rand::{RngExt, SeedableRng};
fn main() {
    let seed: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let mut pieces: Vec<String> = std::io::stdin().lines().map(|l| l.unwrap()).collect();
    pieces.sort_unstable();
    pieces.dedup();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    for p in pieces {
        if rng.random::<f64>() >= 0.7 {
            println!("{p}");
        }
    }
}

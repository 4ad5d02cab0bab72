//! `asmd cache info|clear`: the on-disk cache of parsed ground truth.

use serde_json::json;

use crate::args::{CacheCommand, Global};
use crate::output::print_json;
use asmd::ground_truth::disk_cache;

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

pub fn run(g: &Global, c: &CacheCommand) -> anyhow::Result<i32> {
    match c {
        CacheCommand::Info => {
            let i = disk_cache::info()?;
            if g.json {
                print_json(&json!({"dir": i.dir, "enabled": i.dir.is_some(),
                                   "files": i.files, "bytes": i.bytes, "budget": i.budget}));
            } else if let Some(d) = &i.dir {
                crate::outln!("folder   {}", d.display());
                crate::outln!("entries  {}", i.files);
                crate::outln!("size     {} of at most {}", mib(i.bytes), mib(i.budget));
            } else {
                crate::outln!(
                    "the ground-truth cache is off (ASMD_GT_DISK_CACHE=0, or no home folder)"
                );
            }
        }
        CacheCommand::Clear => {
            let n = disk_cache::clear()?;
            if g.json {
                print_json(&json!({"removed": n, "dir": disk_cache::dir()}));
            } else {
                crate::outln!("removed {n} entries");
            }
        }
    }
    Ok(0)
}

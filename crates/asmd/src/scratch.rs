//! Reusable per-thread byte buffers for large, short-lived reads.
//!
//! Loading a ground-truth file reads the compressed file, inflates it and (through the
//! on-disk cache) reads an entry: a few MB of buffers that live for a millisecond. Fresh
//! buffers of that size come straight from the operating system and cost a page fault
//! per 4 kB, more than the work done in them. A [`Scratch`] buffer instead comes from a
//! small pool of the thread's earlier buffers (cleared, capacity kept) and goes back
//! when dropped; buffers over 64 MiB are not kept.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};

/// The largest buffer kept for reuse.
const KEEP_AT_MOST: usize = 64 << 20;
/// Buffers kept per thread.
const POOL_SIZE: usize = 4;

thread_local! {
    static POOL: Cell<Vec<Vec<u8>>> = const { Cell::new(Vec::new()) };
}

/// An empty byte buffer, from this thread's pool when it has one.
pub(crate) struct Scratch {
    buf: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        let buf = POOL
            .try_with(|p| {
                let mut pool = p.take();
                let b = pool.pop();
                p.set(pool);
                b
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        Scratch { buf }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut b = std::mem::take(&mut self.buf);
        if b.capacity() == 0 || b.capacity() > KEEP_AT_MOST {
            return;
        }
        b.clear();
        let _ = POOL.try_with(|p| {
            let mut pool = p.take();
            if pool.len() < POOL_SIZE {
                pool.push(b);
            }
            p.set(pool);
        });
    }
}

impl Deref for Scratch {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.buf
    }
}

impl DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_with_their_capacity() {
        let mut a = Scratch::new();
        a.extend_from_slice(&[7u8; 100_000]);
        let cap = a.capacity();
        let ptr = a.as_ptr();
        drop(a);
        let b = Scratch::new();
        assert!(b.is_empty());
        assert_eq!((b.capacity(), b.as_ptr()), (cap, ptr));
        // two at once: the second is a new one
        let c = Scratch::new();
        assert_eq!(c.capacity(), 0);
        drop((b, c));
    }

    #[test]
    fn huge_buffers_are_not_kept() {
        // each test runs on a thread of its own: the pool starts empty
        let mut h = Scratch::new();
        h.reserve(KEEP_AT_MOST + 1);
        drop(h);
        assert_eq!(Scratch::new().capacity(), 0);
    }
}

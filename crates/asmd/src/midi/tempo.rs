//! Ticks to seconds and beat times, with pretty_midi 0.2.11's float arithmetic.
//!
//! pretty_midi builds a table of tick scales (seconds per tick) from the tempo events
//! of track 0 only, then fills a tick -> seconds array segment by segment:
//! `time = segment_start_time + scale * (tick - segment_tick)`, where each segment's
//! start time is the time of its first tick computed with the previous segment. We keep
//! the segments and evaluate the same expression on demand (no 10-million-entry array),
//! which gives bit-identical times. Beats follow `PrettyMIDI.get_beats` step by step,
//! time signatures included.

/// One constant-tempo segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Segment {
    pub tick: u64,
    /// Seconds per tick.
    pub scale: f64,
    /// Time of `tick`.
    pub start: f64,
}

/// The tempo map of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoMap {
    pub(crate) resolution: u16,
    pub(crate) segments: Vec<Segment>,
}

impl TempoMap {
    /// The map before any tempo event: 120 BPM from tick 0.
    pub(crate) fn new(resolution: u16) -> Self {
        let scale = 60.0 / (120.0 * f64::from(resolution));
        TempoMap {
            resolution,
            segments: vec![Segment {
                tick: 0,
                scale,
                start: 0.0,
            }],
        }
    }

    /// Apply a tempo event of track 0 (`tempo` microseconds per quarter note at `tick`);
    /// events must come in file order. pretty_midi's rules: a tempo at tick 0 replaces
    /// the default, a tempo whose seconds-per-tick equals the previous one is ignored,
    /// and each segment starts at the time the previous segment gives its first tick
    /// (so times already computed for earlier ticks stay valid).
    pub(crate) fn tempo_event(&mut self, tick: u64, tempo: u32) {
        let res = f64::from(self.resolution);
        let scale = 60.0 / ((6e7 / f64::from(tempo)) * res);
        if tick == 0 {
            self.segments = vec![Segment {
                tick: 0,
                scale,
                start: 0.0,
            }];
            return;
        }
        let Some(last) = self.segments.last().copied() else {
            return;
        };
        if scale != last.scale {
            self.segments.push(Segment {
                tick,
                scale,
                start: last.start + last.scale * ((tick - last.tick) as i64 as f64),
            });
        }
    }

    /// Build a map from `(tick, microseconds per quarter)` events (tests, tools).
    #[cfg(test)]
    pub(crate) fn from_events(
        resolution: u16,
        tempos: impl IntoIterator<Item = (u64, u32)>,
    ) -> Self {
        let mut m = TempoMap::new(resolution);
        for (tick, tempo) in tempos {
            m.tempo_event(tick, tempo);
        }
        m
    }

    /// Seconds at `tick`, exactly as pretty_midi's `tick_to_time` table holds it.
    pub fn tick_to_time(&self, tick: u64) -> f64 {
        let i = self.segments.partition_point(|s| s.tick <= tick);
        // segments[0].tick == 0, so i >= 1
        let s = &self.segments[i.saturating_sub(1)];
        // ticks are below 10^7 here, so the i64 conversion is exact (as numpy's int64)
        s.start + s.scale * ((tick - s.tick) as i64 as f64)
    }

    /// Seconds at `tick` for non-decreasing ticks: `seg` remembers the segment of the
    /// previous call, so no search is needed. Same values as [`TempoMap::tick_to_time`].
    #[inline]
    pub(crate) fn time_from(&self, seg: &mut usize, tick: u64) -> f64 {
        let segs = &self.segments;
        if *seg >= segs.len() {
            *seg = 0;
        }
        while *seg + 1 < segs.len() && segs[*seg + 1].tick <= tick {
            *seg += 1;
        }
        let s = &segs[*seg];
        s.start + s.scale * ((tick - s.tick) as i64 as f64)
    }

    /// Ticks per quarter note.
    pub fn resolution(&self) -> u16 {
        self.resolution
    }

    /// Tempo changes as `(time in seconds, quarter notes per minute)`, as pretty_midi's
    /// `get_tempo_changes` returns them.
    pub fn tempo_changes(&self) -> Vec<(f64, f64)> {
        let res = f64::from(self.resolution);
        self.segments
            .iter()
            .map(|s| (self.tick_to_time(s.tick), 60.0 / (s.scale * res)))
            .collect()
    }
}

/// A time signature at a time in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeSignature {
    /// Beats per bar.
    pub numerator: u8,
    /// Power of two of the beat unit (2 = quarter note).
    pub denominator_pow: u8,
    /// Time in seconds.
    pub time: f64,
}

impl TimeSignature {
    /// pretty_midi's `qpm_to_bpm`: quarter-note tempo -> beats per minute.
    fn bpm(&self, qpm: f64) -> f64 {
        if self.denominator_pow > 5 {
            return qpm; // denominator not in [1, 2, 4, 8, 16, 32]
        }
        let den = f64::from(1u32 << self.denominator_pow);
        if self.numerator == 3 {
            qpm * den / 4.0
        } else if self.numerator % 3 == 0 {
            qpm / 3.0 * den / 4.0
        } else {
            qpm * den / 4.0
        }
    }
}

fn gt_or_close(a: f64, b: f64) -> bool {
    // numpy.isclose(a, b) with rtol=1e-5, atol=1e-8
    a > b || (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

/// pretty_midi's `get_beats(start_time=0.)`: beat times up to (excluding) `end_time`.
pub(crate) fn beats(tempo: &TempoMap, signatures: &[TimeSignature], end_time: f64) -> Vec<f64> {
    let changes = tempo.tempo_changes();
    let times: Vec<f64> = changes.iter().map(|c| c.0).collect();
    let tempi: Vec<f64> = changes.iter().map(|c| c.1).collect();
    let mut ts: Vec<TimeSignature> = signatures.to_vec();
    ts.sort_by(|a, b| a.time.total_cmp(&b.time)); // stable, as Python's sort
    let n_tempo = times.len();
    let mut beats = vec![0.0f64];
    let mut tempo_idx = 0usize;
    while tempo_idx + 1 < n_tempo && beats[beats.len() - 1] > times[tempo_idx + 1] {
        tempo_idx += 1;
    }
    let mut ts_idx = 0usize;
    while ts_idx + 1 < ts.len() && beats[beats.len() - 1] >= ts[ts_idx + 1].time {
        ts_idx += 1;
    }
    let current_bpm = |tempo_idx: usize, ts_idx: usize| -> f64 {
        match ts.get(ts_idx) {
            Some(sig) => sig.bpm(tempi[tempo_idx]),
            None => tempi[tempo_idx],
        }
    };
    while let Some(&last) = beats.last() {
        // Python: `while beats[-1] < end_time` (NaN stops the loop)
        if last.partial_cmp(&end_time) != Some(std::cmp::Ordering::Less) {
            break;
        }
        let mut bpm = current_bpm(tempo_idx, ts_idx);
        let mut next_beat = last + 60.0 / bpm;
        if tempo_idx + 1 < n_tempo && next_beat > times[tempo_idx + 1] {
            next_beat = last;
            let mut beat_remaining = 1.0f64;
            while tempo_idx + 1 < n_tempo
                && next_beat + beat_remaining * 60.0 / bpm >= times[tempo_idx + 1]
            {
                let overshot_ratio = (times[tempo_idx + 1] - next_beat) / (60.0 / bpm);
                next_beat += overshot_ratio * 60.0 / bpm;
                beat_remaining -= overshot_ratio;
                tempo_idx += 1;
                bpm = current_bpm(tempo_idx, ts_idx);
            }
            next_beat += beat_remaining * 60.0 / bpm;
        }
        if !ts.is_empty() && ts_idx == 0 {
            let current_ts_time = ts[0].time;
            if current_ts_time > last && gt_or_close(next_beat, current_ts_time) {
                next_beat = current_ts_time;
            }
        }
        if ts_idx + 1 < ts.len() {
            let next_ts_time = ts[ts_idx + 1].time;
            if gt_or_close(next_beat, next_ts_time) {
                next_beat = next_ts_time;
                ts_idx += 1;
            }
        }
        beats.push(next_beat);
    }
    beats.pop();
    beats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tempo_is_120_bpm() {
        let m = TempoMap::new(480);
        assert_eq!(m.tick_to_time(960), 1.0);
    }

    #[test]
    fn repeated_tempo_is_ignored_and_segments_chain() {
        let m = TempoMap::from_events(100, [(0, 1_000_000), (100, 1_000_000), (200, 500_000)]);
        assert_eq!(m.segments.len(), 2);
        assert_eq!(m.tick_to_time(200), 2.0);
        assert_eq!(m.tick_to_time(300), 2.5);
        assert_eq!(m.tempo_changes(), vec![(0.0, 60.0), (2.0, 120.0)]);
    }

    #[test]
    fn beats_follow_time_signatures() {
        let m = TempoMap::new(100);
        let ts = [TimeSignature {
            numerator: 6,
            denominator_pow: 3,
            time: 0.0,
        }];
        // 6/8 at 120 qpm: a beat is a dotted quarter = 0.75 s
        assert_eq!(beats(&m, &ts, 2.0), vec![0.0, 0.75, 1.5]);
        assert_eq!(beats(&m, &[], 1.2), vec![0.0, 0.5, 1.0]);
    }
}

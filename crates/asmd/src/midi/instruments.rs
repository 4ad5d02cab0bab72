//! Notes, control changes and instruments, paired and grouped exactly as pretty_midi
//! 0.2.11's `_load_instruments` does.
//!
//! * Instruments are keyed by (program, channel, track) and created when their first
//!   note is *completed*, so `instruments` is in order of first note-off.
//! * Open notes are keyed by (channel, pitch) only; the program in force at the note-off
//!   decides the instrument.
//! * A note-off (or note-on with velocity 0) closes every open note of its key that
//!   started on an earlier tick; notes that started on the same tick stay open when some
//!   other note was closed, and are dropped otherwise.
//! * Control changes and pitch bends seen before their instrument exists go to a
//!   "straggler" list per (channel, track); the instrument created later for that channel
//!   and track *shares* that list (the same Python list object), so events added to the
//!   straggler afterwards appear in every instrument sharing it. We model the sharing
//!   with list ids.

use super::tempo::TempoMap;
use super::{ControlChange, Instrument, Note};

struct Building {
    program: u8,
    channel: u8,
    track: usize,
    notes: Vec<Note>,
    cc_list: usize,
    bend_list: usize,
}

/// Where a control change or pitch bend goes: a pair of list ids.
#[derive(Clone, Copy)]
struct Lists {
    cc: usize,
    bend: usize,
}

/// Builds instruments from the events of each track, as they are decoded.
pub(crate) struct Loader {
    cc_lists: Vec<Vec<ControlChange>>,
    bend_lists: Vec<Vec<f64>>,
    built: Vec<Building>,
    /// Open notes per (channel, pitch): (start tick, start time, velocity).
    open: Vec<Vec<(u64, f64, u8)>>,
    // per track:
    track: usize,
    program: [u8; 16],
    /// Instrument index per (program, channel) of the current track.
    by_program: Vec<Option<usize>>,
    stragglers: [Option<Lists>; 16],
    /// Tempo segment of the previous event (ticks only grow inside a track).
    seg: usize,
    /// Capacity hint for new note and controller lists (from the chunk size).
    hint: usize,
}

impl Loader {
    pub(crate) fn new() -> Self {
        Loader {
            cc_lists: Vec::new(),
            bend_lists: Vec::new(),
            built: Vec::new(),
            open: vec![Vec::new(); 16 * 128],
            track: 0,
            program: [0; 16],
            by_program: vec![None; 128 * 16],
            stragglers: [None; 16],
            seg: 0,
            hint: 0,
        }
    }

    /// A new track: programs back to 0, no open note, no straggler.
    pub(crate) fn track_start(&mut self, index: usize, chunk_len: usize) {
        self.track = index;
        // a note takes two events of 3-4 bytes; capped so that a huge chunk with few
        // notes cannot reserve much
        self.hint = (chunk_len / 8).min(1 << 16);
        self.program = [0; 16];
        self.by_program.iter_mut().for_each(|x| *x = None);
        self.stragglers = [None; 16];
        self.open.iter_mut().for_each(Vec::clear);
        self.seg = 0;
    }

    fn new_lists(&mut self) -> Lists {
        self.cc_lists.push(Vec::with_capacity(self.hint));
        self.bend_lists.push(Vec::new());
        Lists {
            cc: self.cc_lists.len() - 1,
            bend: self.bend_lists.len() - 1,
        }
    }

    /// pretty_midi's `__get_instrument(..., create_new=False)`: the lists to append to.
    fn lists_for(&mut self, channel: u8) -> Lists {
        let prog = self.program[usize::from(channel)];
        if let Some(i) = self.by_program[usize::from(prog) * 16 + usize::from(channel)] {
            return Lists {
                cc: self.built[i].cc_list,
                bend: self.built[i].bend_list,
            };
        }
        if let Some(l) = self.stragglers[usize::from(channel)] {
            return l;
        }
        let l = self.new_lists();
        self.stragglers[usize::from(channel)] = Some(l);
        l
    }

    /// pretty_midi's `__get_instrument(..., create_new=True)`.
    fn instrument_for(&mut self, channel: u8) -> usize {
        let prog = self.program[usize::from(channel)];
        let key = usize::from(prog) * 16 + usize::from(channel);
        if let Some(i) = self.by_program[key] {
            return i;
        }
        let lists = match self.stragglers[usize::from(channel)] {
            Some(l) => l,
            None => self.new_lists(),
        };
        self.built.push(Building {
            program: prog,
            channel,
            track: self.track,
            notes: Vec::with_capacity(self.hint),
            cc_list: lists.cc,
            bend_list: lists.bend,
        });
        self.by_program[key] = Some(self.built.len() - 1);
        self.built.len() - 1
    }

    /// Program change.
    #[inline]
    pub(crate) fn program(&mut self, channel: u8, program: u8) {
        self.program[usize::from(channel & 15)] = program;
    }

    /// Note-on with velocity > 0: the note opens.
    #[inline]
    pub(crate) fn note_on(
        &mut self,
        tick: u64,
        channel: u8,
        key: u8,
        velocity: u8,
        tempo: &TempoMap,
    ) {
        let t = tempo.time_from(&mut self.seg, tick);
        self.open[usize::from(channel & 15) * 128 + usize::from(key & 127)]
            .push((tick, t, velocity));
    }

    /// Note-off: closes the open notes of (channel, key) that started before `tick`.
    #[inline]
    pub(crate) fn note_off(&mut self, tick: u64, channel: u8, key: u8, tempo: &TempoMap) {
        let k = usize::from(channel & 15) * 128 + usize::from(key & 127);
        if self.open[k].is_empty() {
            return; // spurious note-off
        }
        let end = tempo.time_from(&mut self.seg, tick);
        let mut slot = std::mem::take(&mut self.open[k]);
        let mut closed_any = false;
        let mut kept_any = false;
        for &(start_tick, start, velocity) in &slot {
            if start_tick == tick {
                kept_any = true;
                continue;
            }
            closed_any = true;
            let inst = self.instrument_for(channel);
            self.built[inst].notes.push(Note {
                pitch: key,
                velocity,
                start,
                end,
            });
        }
        if closed_any && kept_any {
            slot.retain(|&(s, _, _)| s == tick);
        } else {
            slot.clear();
        }
        self.open[k] = slot;
    }

    /// Pitch bend (only its time matters here).
    #[inline]
    pub(crate) fn pitch_bend(&mut self, tick: u64, channel: u8, tempo: &TempoMap) {
        let l = self.lists_for(channel);
        let t = tempo.time_from(&mut self.seg, tick);
        self.bend_lists[l.bend].push(t);
    }

    /// Control change.
    #[inline]
    pub(crate) fn control(
        &mut self,
        tick: u64,
        channel: u8,
        control: u8,
        value: u8,
        tempo: &TempoMap,
    ) {
        let l = self.lists_for(channel);
        let time = tempo.time_from(&mut self.seg, tick);
        self.cc_lists[l.cc].push(ControlChange {
            number: control,
            value,
            time,
        });
    }

    /// The instruments, in creation order; lists shared by several instruments are
    /// copied into each.
    pub(crate) fn finish(mut self) -> Vec<Instrument> {
        let shared_cc = count_uses(self.built.iter().map(|b| b.cc_list), self.cc_lists.len());
        let shared_bend = count_uses(
            self.built.iter().map(|b| b.bend_list),
            self.bend_lists.len(),
        );
        let built = std::mem::take(&mut self.built);
        built
            .into_iter()
            .map(|b| Instrument {
                program: b.program,
                channel: b.channel,
                track: b.track,
                is_drum: b.channel == 9,
                notes: b.notes,
                control_changes: take_or_clone(&mut self.cc_lists, b.cc_list, &shared_cc),
                pitch_bend_times: take_or_clone(&mut self.bend_lists, b.bend_list, &shared_bend),
            })
            .collect()
    }
}

fn count_uses(ids: impl Iterator<Item = usize>, n: usize) -> Vec<usize> {
    let mut c = vec![0usize; n];
    for i in ids {
        c[i] += 1;
    }
    c
}

/// Move a list out when only one instrument uses it, clone it otherwise.
fn take_or_clone<T: Clone>(lists: &mut [Vec<T>], id: usize, uses: &[usize]) -> Vec<T> {
    if uses[id] > 1 {
        lists[id].clone()
    } else {
        std::mem::take(&mut lists[id])
    }
}

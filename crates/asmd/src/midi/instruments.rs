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

use super::smf::{Event, Track};
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

#[derive(Default)]
struct Arena {
    cc: Vec<Vec<ControlChange>>,
    bend: Vec<Vec<f64>>,
}

impl Arena {
    fn new_lists(&mut self) -> Lists {
        self.cc.push(Vec::new());
        self.bend.push(Vec::new());
        Lists {
            cc: self.cc.len() - 1,
            bend: self.bend.len() - 1,
        }
    }
}

/// Group the notes and controllers of all tracks into instruments.
pub(crate) fn load(tracks: &[Track], tempo: &TempoMap) -> Vec<Instrument> {
    let mut arena = Arena::default();
    let mut built: Vec<Building> = Vec::new();
    // open notes per (channel, pitch): (start tick, velocity)
    let mut open: Vec<Vec<(u64, u8)>> = vec![Vec::new(); 16 * 128];
    for (track_idx, track) in tracks.iter().enumerate() {
        for v in open.iter_mut() {
            v.clear();
        }
        let mut program = [0u8; 16];
        // instrument index per (program, channel) of this track
        let mut by_program: Vec<Option<usize>> = vec![None; 128 * 16];
        let mut stragglers: [Option<Lists>; 16] = [None; 16];

        // pretty_midi's __get_instrument with create_new = False: the lists to append to.
        let lists_for = |prog: u8,
                         ch: u8,
                         by_program: &Vec<Option<usize>>,
                         stragglers: &mut [Option<Lists>; 16],
                         arena: &mut Arena,
                         built: &Vec<Building>|
         -> Lists {
            if let Some(i) = by_program[usize::from(prog) * 16 + usize::from(ch)] {
                return Lists {
                    cc: built[i].cc_list,
                    bend: built[i].bend_list,
                };
            }
            if let Some(l) = stragglers[usize::from(ch)] {
                return l;
            }
            let l = arena.new_lists();
            stragglers[usize::from(ch)] = Some(l);
            l
        };

        for &(tick, ev) in &track.events {
            match ev {
                Event::Program {
                    channel,
                    program: p,
                } => program[usize::from(channel)] = p,
                Event::NoteOn {
                    channel,
                    key,
                    velocity,
                } => open[usize::from(channel) * 128 + usize::from(key)].push((tick, velocity)),
                Event::NoteOff { channel, key } => {
                    let slot = &mut open[usize::from(channel) * 128 + usize::from(key)];
                    if slot.is_empty() {
                        continue; // spurious note-off
                    }
                    let end = tempo.tick_to_time(tick);
                    let prog = program[usize::from(channel)];
                    let mut closed_any = false;
                    for &(start_tick, velocity) in slot.iter() {
                        if start_tick == tick {
                            continue;
                        }
                        closed_any = true;
                        let key_idx = usize::from(prog) * 16 + usize::from(channel);
                        let inst = match by_program[key_idx] {
                            Some(i) => i,
                            None => {
                                let lists = stragglers[usize::from(channel)]
                                    .unwrap_or_else(|| arena.new_lists());
                                built.push(Building {
                                    program: prog,
                                    channel,
                                    track: track_idx,
                                    notes: Vec::new(),
                                    cc_list: lists.cc,
                                    bend_list: lists.bend,
                                });
                                by_program[key_idx] = Some(built.len() - 1);
                                built.len() - 1
                            }
                        };
                        built[inst].notes.push(Note {
                            pitch: key,
                            velocity,
                            start: tempo.tick_to_time(start_tick),
                            end,
                        });
                    }
                    let has_same_tick = slot.iter().any(|&(s, _)| s == tick);
                    if closed_any && has_same_tick {
                        slot.retain(|&(s, _)| s == tick);
                    } else {
                        slot.clear();
                    }
                }
                Event::PitchBend { channel } => {
                    let l = lists_for(
                        program[usize::from(channel)],
                        channel,
                        &by_program,
                        &mut stragglers,
                        &mut arena,
                        &built,
                    );
                    arena.bend[l.bend].push(tempo.tick_to_time(tick));
                }
                Event::Control {
                    channel,
                    control,
                    value,
                } => {
                    let l = lists_for(
                        program[usize::from(channel)],
                        channel,
                        &by_program,
                        &mut stragglers,
                        &mut arena,
                        &built,
                    );
                    arena.cc[l.cc].push(ControlChange {
                        number: control,
                        value,
                        time: tempo.tick_to_time(tick),
                    });
                }
                _ => {}
            }
        }
    }
    let shared_cc = count_uses(built.iter().map(|b| b.cc_list), arena.cc.len());
    let shared_bend = count_uses(built.iter().map(|b| b.bend_list), arena.bend.len());
    built
        .into_iter()
        .map(|b| Instrument {
            program: b.program,
            channel: b.channel,
            track: b.track,
            is_drum: b.channel == 9,
            notes: b.notes,
            control_changes: take_or_clone(&mut arena.cc, b.cc_list, &shared_cc),
            pitch_bend_times: take_or_clone(&mut arena.bend, b.bend_list, &shared_bend),
        })
        .collect()
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

//! Pictures of a song's annotations (PNG or SVG, chosen by the file extension).
//!
//! Panels, top to bottom: the waveform of the mix (optional, when the recording is on
//! disk); one pianoroll **band per score type** (its name and note count above it, the
//! same pitch range and time axis in every band), or all types in one roll with
//! translucent colours ([`PlotOptions::overlay`], the older look); the pedals
//! (sustain, sostenuto, soft) when the ground truth has any. The legend is a column
//! of its own on the right, never over the notes. Notes are coloured by score type,
//! or by track ([`ColorBy::Track`]: one colour per ground-truth file, named by its
//! instrument). Score types the song has no notes of are left out and named in the
//! legend.
//!
//! Beat lines belong to the score: `score.beats` are times of the score (its own
//! tempo, 60 BPM when unknown), so they are drawn in the `score` band (across the
//! roll when overlaid), with beat numbers (1-based) on a ruler above it, every Nth
//! beat (N a power of two) so that the numbers never collide; only the numbered
//! lines are drawn when beats are too dense to tell apart. Labels use DejaVu Sans,
//! embedded in the binary, so no system font is needed.
//!
//! ```no_run
//! use asmd::plot::{plot_song, ColorBy, PlotOptions};
//! let d = asmd::Dataset::official().unwrap();
//! plot_song(&d, 0, &PlotOptions::default(), "song0.png".as_ref()).unwrap();
//! let by_track = PlotOptions { color_by: ColorBy::Track, ..Default::default() };
//! plot_song(&d, 0, &by_track, "song0-tracks.svg".as_ref()).unwrap();
//! ```

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::ground_truth::{GroundTruth, PedalType, ScoreType};

static FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
const FAMILY: &str = "asmd-sans";

/// How notes are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorBy {
    /// One colour per score type ([`colour`]).
    #[default]
    Type,
    /// One colour per ground-truth file of the song (a track: one part, named by its
    /// instrument; [`track_colour`]).
    Track,
    /// One colour per instrument: tracks of the same instrument (PHENICX's two
    /// bassoons, four violins) share it.
    Instrument,
}

impl ColorBy {
    /// `type`, `track` or `instrument`.
    pub fn parse(s: &str) -> Result<ColorBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "type" | "score_type" => Ok(ColorBy::Type),
            "track" | "source" => Ok(ColorBy::Track),
            "instrument" => Ok(ColorBy::Instrument),
            other => Err(Error::argument(format!(
                "colour by `{other}`: expected `type`, `track` or `instrument`"
            ))),
        }
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    /// Score types to draw, in this order (one band each); types without notes in the
    /// song are left out. Default: every type.
    pub types: Vec<ScoreType>,
    /// All types in one roll, translucent, instead of one band each.
    pub overlay: bool,
    /// Colour notes by score type or by track.
    pub color_by: ColorBy,
    /// Draw the waveform of the mix above (skipped when the recording is absent).
    pub waveform: bool,
    /// Image size in pixels.
    pub width: u32,
    pub height: u32,
    /// Time span in seconds (default: the whole song).
    pub start: f64,
    pub end: Option<f64>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            types: DEFAULT_TYPES.to_vec(),
            overlay: false,
            color_by: ColorBy::Type,
            waveform: false,
            width: 1600,
            height: 900,
            start: 0.0,
            end: None,
        }
    }
}

/// The score types drawn by default, top to bottom: the performance (precise, then
/// broad alignment), then the score and its artificial misalignment.
pub const DEFAULT_TYPES: [ScoreType; 4] = [
    ScoreType::PreciseAlignment,
    ScoreType::BroadAlignment,
    ScoreType::Score,
    ScoreType::Misaligned,
];

/// Colour of a score type (also used in the legend).
pub fn colour(t: ScoreType) -> RGBColor {
    match t {
        ScoreType::PreciseAlignment => RGBColor(31, 119, 180),
        ScoreType::BroadAlignment => RGBColor(44, 160, 44),
        ScoreType::Misaligned => RGBColor(214, 39, 40),
        ScoreType::Score => RGBColor(255, 127, 14),
    }
}

/// Colour `k` of [`ColorBy::Track`] and [`ColorBy::Instrument`] (twenty colours: ten
/// strong ones, then their light shades; then again).
///
/// ```
/// use asmd::plot::track_colour;
/// assert_eq!(track_colour(0), track_colour(20));
/// assert_ne!(track_colour(0), track_colour(1));
/// ```
pub fn track_colour(k: usize) -> RGBColor {
    const PALETTE: [(u8, u8, u8); 20] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
        (174, 199, 232),
        (255, 187, 120),
        (152, 223, 138),
        (255, 152, 150),
        (197, 176, 213),
        (196, 156, 148),
        (247, 182, 210),
        (199, 199, 199),
        (219, 219, 141),
        (158, 218, 229),
    ];
    let (r, g, b) = PALETTE[k % PALETTE.len()];
    RGBColor(r, g, b)
}

fn pedal_colour(p: PedalType) -> RGBColor {
    match p {
        PedalType::Sustain => RGBColor(148, 103, 189),
        PedalType::Sostenuto => RGBColor(140, 86, 75),
        PedalType::Soft => RGBColor(23, 190, 207),
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // the embedded font is valid: a failure would only lose the labels
            let _ = plotters::style::register_font(FAMILY, style, FONT);
        }
    });
}

fn draw_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::new(ErrorKind::Io, format!("cannot draw the plot: {e:?}")).with_file(path)
}

/// The notes of one score type: (pitch, onset, offset, colour key: see [`keys`]).
struct Notes {
    t: ScoreType,
    rows: Vec<(f64, f64, f64, usize)>,
}

/// Per ground-truth file of a song, its colour key for `by` (an index into the
/// returned names): `Track` gives every distinct file its own key (a path listed twice
/// is one track), `Instrument` every distinct instrument name.
fn keys(by: ColorBy, paths: &[String], instruments: &[String]) -> (Vec<usize>, Vec<String>) {
    let tracks = track_names(instruments, paths.len());
    let mut names: Vec<String> = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    let mut out = Vec::with_capacity(paths.len());
    for (k, p) in paths.iter().enumerate() {
        let name = tracks.get(k).cloned().unwrap_or_default();
        let id: &str = match by {
            ColorBy::Instrument if instruments.len() == paths.len() => instruments[k].as_str(),
            _ => p.as_str(),
        };
        let key = match ids.iter().position(|f| *f == id) {
            Some(key) => key,
            None => {
                ids.push(id);
                names.push(match by {
                    ColorBy::Instrument => name,
                    _ => format!("{k}: {name}"),
                });
                names.len() - 1
            }
        };
        out.push(key);
    }
    (out, names)
}

/// The name of each track (ground-truth file) of a song: its instrument, or all of
/// them when one file annotates several.
fn track_names(instruments: &[String], tracks: usize) -> Vec<String> {
    (0..tracks)
        .map(|k| {
            if instruments.len() == tracks {
                instruments[k].clone()
            } else if tracks == 1 && !instruments.is_empty() {
                instruments.join(" + ")
            } else {
                format!("track {k}")
            }
        })
        .collect()
}

/// Draw item `idx` of `d` into `out` (`.png` or `.svg`).
pub fn plot_song(d: &Dataset, idx: usize, opts: &PlotOptions, out: &Path) -> Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "png" && ext != "svg" {
        return Err(Error::argument(format!(
            "{}: the plot file must end in .png or .svg",
            out.display()
        )));
    }
    if opts.types.is_empty() {
        return Err(Error::argument("choose at least one score type to plot"));
    }
    if opts.width < 200 || opts.height < 150 {
        return Err(Error::argument(
            "the plot must be at least 200 x 150 pixels",
        ));
    }
    if opts.width as u64 * opts.height as u64 > crate::limits::MAX_PLOT_PIXELS {
        return Err(Error::argument(format!(
            "a plot of {} x {} pixels is larger than the limit of {} pixels (e.g. 8192 x 8192)",
            opts.width,
            opts.height,
            crate::limits::MAX_PLOT_PIXELS
        )));
    }
    let (def, song) = d.song(idx)?;
    let title = format!("{} / {} ({})", def.name, song.title, song.composer);
    let gts = d.load_gts(idx)?;
    let (key_of, key_names) = keys(opts.color_by, &d.item(idx)?.ground_truth, &song.instruments);
    let key_of = &key_of;
    let all: Vec<Notes> = opts
        .types
        .iter()
        .map(|&t| Notes {
            t,
            rows: gts
                .iter()
                .enumerate()
                .flat_map(|(k, g)| {
                    let n = g.group(t);
                    (0..n.len()).filter_map(move |j| {
                        Some((
                            *n.pitches.get(j)?,
                            *n.onsets.get(j)?,
                            *n.offsets.get(j)?,
                            key_of.get(k).copied().unwrap_or(k),
                        ))
                    })
                })
                .collect(),
        })
        .collect();
    let (notes, absent): (Vec<Notes>, Vec<Notes>) =
        all.into_iter().partition(|n| !n.rows.is_empty());
    if notes.is_empty() {
        let names: Vec<&str> = opts.types.iter().map(|t| t.name()).collect();
        return Err(Error::argument(format!(
            "{} / {}: no notes of type {} to plot",
            def.name,
            song.title,
            names.join(", ")
        )));
    }
    let wave = if opts.waveform {
        let o = crate::audio::DecodeOptions {
            sample_rate: Some(8000),
            quality: crate::audio::Quality::Fast,
            start: opts.start,
            end: opts.end,
            ..Default::default()
        };
        d.get_mix(idx, &o).ok()
    } else {
        None
    };
    let mut t1 = notes
        .iter()
        .flat_map(|n| n.rows.iter().map(|r| r.2))
        .fold(0.0f64, f64::max);
    if let Some(e) = opts.end {
        t1 = e;
    }
    let t0 = opts.start.max(0.0);
    if t1 <= t0 {
        t1 = t0 + 1.0;
    }
    let (lo, hi) = notes
        .iter()
        .flat_map(|n| n.rows.iter().map(|r| r.0))
        .fold((127.0f64, 0.0f64), |(a, b), p| (a.min(p), b.max(p)));
    let (lo, hi) = ((lo - 2.0).max(0.0), (hi + 2.0).min(128.0));
    let beats: Vec<f64> = gts
        .first()
        .map(|g| g.score.beats.clone())
        .unwrap_or_default();
    let pedals = pedal_series(&gts);

    register_font();
    let size = (opts.width, opts.height);
    let scene = Scene {
        title: &title,
        notes: &notes,
        absent: absent.iter().map(|n| n.t).collect(),
        keys: &key_names,
        beats: &beats,
        pedals: &pedals,
        wave: wave.as_ref(),
        span: (t0, t1),
        pitches: (lo, hi),
        overlay: opts.overlay,
        color_by: opts.color_by,
    };
    if ext == "svg" {
        let root = SVGBackend::new(out, size).into_drawing_area();
        scene.draw(&root, out)?;
        root.present().map_err(draw_err(out))
    } else {
        let root = BitMapBackend::new(out, size).into_drawing_area();
        scene.draw(&root, out)?;
        root.present().map_err(draw_err(out))
    }
}

type PedalSeries = Vec<(PedalType, Vec<(f64, f64)>)>;

fn pedal_series(gts: &[std::sync::Arc<GroundTruth>]) -> PedalSeries {
    let mut out = Vec::new();
    for p in PedalType::ALL {
        if let Some(g) = gts.iter().find(|g| !g.pedal(p).times.is_empty()) {
            let pd = g.pedal(p);
            out.push((
                p,
                pd.times
                    .iter()
                    .copied()
                    .zip(pd.values.iter().copied())
                    .collect(),
            ));
        }
    }
    out
}

/// Which beats get a number: every `step`-th (a power of two) so that numbers are at
/// least `min_px` pixels apart, given `px_per_s`; the lines of the others are drawn
/// only when they are at least 5 pixels apart.
///
/// ```
/// // beats every 0.5 s at 100 px/s (50 px apart): every beat numbered
/// assert_eq!(asmd::plot::beat_label_step(&[0.0, 0.5, 1.0, 1.5], 100.0, 30.0), (1, true));
/// // at 10 px/s (5 px apart): every 8th numbered, every line still drawn
/// assert_eq!(asmd::plot::beat_label_step(&[0.0, 0.5, 1.0, 1.5], 10.0, 30.0), (8, true));
/// ```
pub fn beat_label_step(beats: &[f64], px_per_s: f64, min_px: f64) -> (usize, bool) {
    let mut gaps: Vec<f64> = beats
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| g.is_finite() && *g > 0.0)
        .collect();
    if gaps.is_empty() || px_per_s.is_nan() || px_per_s <= 0.0 {
        return (1, true);
    }
    gaps.sort_by(f64::total_cmp);
    let px = gaps[gaps.len() / 2] * px_per_s;
    let mut step = 1usize;
    while (step as f64) * px < min_px && step < 1 << 20 {
        step *= 2;
    }
    (step, px >= 5.0)
}

struct Scene<'a> {
    title: &'a str,
    notes: &'a [Notes],
    absent: Vec<ScoreType>,
    keys: &'a [String],
    beats: &'a [f64],
    pedals: &'a PedalSeries,
    wave: Option<&'a (Vec<f32>, u32)>,
    span: (f64, f64),
    pitches: (f64, f64),
    overlay: bool,
    color_by: ColorBy,
}

/// A panel's chart: time in seconds against a value.
type Chart<'b, DB> = ChartContext<
    'b,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Sizes shared by every panel, so their time axes line up.
struct Geometry {
    font: u32,
    margin: u32,
    y_labels: u32,
    x_labels: u32,
}

impl Scene<'_> {
    fn note_colour(&self, t: ScoreType, key: usize) -> RGBColor {
        match self.color_by {
            ColorBy::Type => colour(t),
            ColorBy::Track | ColorBy::Instrument => track_colour(key),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, out: &Path) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        root.fill(&WHITE).map_err(&e)?;
        let (w, h) = root.dim_in_pixel();
        let g = Geometry {
            font: (h / 56).clamp(11, 18),
            margin: 8,
            y_labels: 64,
            x_labels: 40,
        };
        let title_h = (f64::from(h) * 0.06).max(f64::from(g.font) * 2.0) as u32;
        let (top, rest) = root.split_vertically(title_h);
        top.titled(self.title, (FAMILY, (f64::from(title_h) * 0.5) as u32))
            .map_err(&e)?;
        // the legend column, right of every panel
        let legend_w = (f64::from(w) * 0.17).clamp(150.0, 280.0) as u32;
        let (main, legend) = rest.split_horizontally(w.saturating_sub(legend_w));
        let main_h = f64::from(h - title_h);
        let wave_h = if self.wave.is_some() {
            main_h * 0.16
        } else {
            0.0
        };
        let pedal_h = if self.pedals.is_empty() {
            0.0
        } else {
            main_h * 0.16
        };
        let (wave_area, rest) = main.split_vertically(wave_h as u32);
        let roll_h = main_h - wave_h - pedal_h;
        let (roll_area, pedal_area) = rest.split_vertically(roll_h as u32);
        let (t0, t1) = self.span;
        let plot_w = f64::from(
            main.dim_in_pixel()
                .0
                .saturating_sub(g.y_labels + 2 * g.margin)
                .max(1),
        );
        let px_per_s = plot_w / (t1 - t0);

        if let Some((x, sr)) = self.wave {
            self.draw_wave(&wave_area, x, *sr, &g, out)?;
        }

        // the pianoroll: one band per type, or one roll with every type
        let groups: Vec<Vec<&Notes>> = if self.overlay {
            vec![self.notes.iter().collect()]
        } else {
            self.notes.iter().map(|n| vec![n]).collect()
        };
        let n_bands = groups.len().max(1) as u32;
        let bottom_labels = if self.pedals.is_empty() {
            g.x_labels
        } else {
            0
        };
        let band_h = (roll_area.dim_in_pixel().1.saturating_sub(bottom_labels)) / n_bands;
        let mut rest = roll_area;
        for (k, group) in groups.iter().enumerate() {
            let last = k + 1 == groups.len();
            let (band, after) = if last {
                (rest.clone(), rest.clone())
            } else {
                rest.split_vertically(band_h)
            };
            let with_beats = group.iter().any(|n| n.t == ScoreType::Score);
            self.draw_band(
                &band,
                group,
                with_beats,
                last && self.pedals.is_empty(),
                px_per_s,
                &g,
                out,
            )?;
            rest = after;
        }

        if !self.pedals.is_empty() {
            self.draw_pedals(&pedal_area, &g, out)?;
        }
        self.draw_legend(&legend, &g, px_per_s, out)
    }

    fn chart<'b, DB: DrawingBackend>(
        area: &'b DrawingArea<DB, Shift>,
        g: &Geometry,
        x_labels: bool,
        y: std::ops::Range<f64>,
        span: (f64, f64),
    ) -> std::result::Result<Chart<'b, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
        ChartBuilder::on(area)
            .margin_left(g.margin)
            .margin_right(g.margin)
            .margin_top(2)
            .margin_bottom(2)
            .y_label_area_size(g.y_labels)
            .x_label_area_size(if x_labels { g.x_labels } else { 0 })
            .build_cartesian_2d(span.0..span.1, y)
    }

    fn draw_wave<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: &[f32],
        sr: u32,
        g: &Geometry,
        out: &Path,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        let label = (FAMILY, g.font);
        let (t0, _) = self.span;
        let mut c = Self::chart(area, g, false, -1.0..1.0, self.span).map_err(&e)?;
        c.configure_mesh()
            .disable_mesh()
            .y_desc("mix")
            .label_style(label)
            .axis_desc_style(label)
            .y_labels(3)
            .draw()
            .map_err(&e)?;
        // min/max per pixel column
        let cols = area.dim_in_pixel().0.max(1) as usize;
        let per = (x.len() / cols).max(1);
        let sr = f64::from(sr);
        let bars = x.chunks(per).enumerate().map(|(k, ch)| {
            let (mn, mx) = ch
                .iter()
                .fold((0.0f32, 0.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
            let t = t0 + (k * per) as f64 / sr;
            PathElement::new(
                vec![(t, f64::from(mn)), (t, f64::from(mx))],
                RGBColor(90, 90, 90),
            )
        });
        c.draw_series(bars).map_err(&e)?;
        Ok(())
    }

    /// One band: a caption (type and note count), a ruler of beat numbers when it
    /// holds the score, and the notes.
    #[allow(clippy::too_many_arguments)]
    fn draw_band<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        group: &[&Notes],
        with_beats: bool,
        x_labels: bool,
        px_per_s: f64,
        g: &Geometry,
        out: &Path,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        let label = (FAMILY, g.font);
        let (t0, t1) = self.span;
        let (lo, hi) = self.pitches;
        let caption_h = g.font + 6;
        let (caption, rest) = area.split_vertically(caption_h);
        let caption_text = if self.overlay {
            "score types overlaid".to_string()
        } else {
            let n = group.first().map_or(0, |n| n.rows.len());
            format!("{} · {} notes", group.first().map_or("", |n| n.t.name()), n)
        };
        let caption_colour = match (self.overlay, self.color_by, group.first()) {
            (false, ColorBy::Type, Some(n)) => colour(n.t),
            _ => BLACK,
        };
        caption
            .draw_text(
                &caption_text,
                &TextStyle::from((FAMILY, g.font).into_font()).color(&caption_colour),
                ((g.margin + g.y_labels) as i32, 3),
            )
            .map_err(&e)?;
        let beats: Vec<f64> = if with_beats {
            self.beats
                .iter()
                .copied()
                .filter(|b| *b >= t0 && *b <= t1)
                .collect()
        } else {
            Vec::new()
        };
        let beat_numbers: Vec<(usize, f64)> = if with_beats {
            self.beats
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, b)| *b >= t0 && *b <= t1)
                .collect()
        } else {
            Vec::new()
        };
        let (step, every_line) = beat_label_step(self.beats, px_per_s, f64::from(g.font) * 3.0);
        let (ruler, roll) = if beats.is_empty() {
            (None, rest)
        } else {
            let (r, roll) = rest.split_vertically(g.font + 4);
            (Some(r), roll)
        };
        if let Some(r) = ruler {
            let mut c = Self::chart(&r, g, false, 0.0..1.0, self.span).map_err(&e)?;
            let style = TextStyle::from((FAMILY, g.font.saturating_sub(2).max(9)).into_font())
                .color(&RGBColor(90, 90, 90))
                .pos(Pos::new(HPos::Center, VPos::Center));
            c.draw_series(
                beat_numbers
                    .iter()
                    .filter(|(k, _)| k % step == 0)
                    .map(|(k, b)| Text::new(format!("{}", k + 1), (*b, 0.5), style.clone())),
            )
            .map_err(&e)?;
        }
        let height = roll.dim_in_pixel().1;
        let mut c = Self::chart(&roll, g, x_labels, lo..hi, self.span).map_err(&e)?;
        let desc = if f64::from(height) >= f64::from(g.font) * 7.0 {
            "MIDI pitch"
        } else {
            "pitch"
        };
        let mut mesh = c.configure_mesh();
        mesh.y_desc(desc)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(((height / (g.font * 3).max(1)) as usize).clamp(2, 10))
            .label_style(label)
            .axis_desc_style(label)
            .bold_line_style(RGBColor(222, 222, 222))
            .light_line_style(RGBColor(244, 244, 244));
        if x_labels {
            mesh.x_desc("time (s)");
        }
        mesh.draw().map_err(&e)?;
        if !beats.is_empty() {
            let numbered = RGBColor(120, 120, 120).stroke_width(1);
            let plain = RGBColor(215, 215, 215).stroke_width(1);
            c.draw_series(beat_numbers.iter().filter_map(|(k, b)| {
                let is_numbered = k % step == 0;
                (is_numbered || every_line).then(|| {
                    PathElement::new(
                        vec![(*b, lo), (*b, hi)],
                        if is_numbered { numbered } else { plain },
                    )
                })
            }))
            .map_err(&e)?;
        }
        for n in group {
            let alpha = if self.overlay { 0.55 } else { 1.0 };
            c.draw_series(n.rows.iter().map(|&(p, on, off, track)| {
                let fill = self.note_colour(n.t, track).mix(alpha).filled();
                Rectangle::new([(on, p - 0.4), (off.max(on + 1e-3), p + 0.4)], fill)
            }))
            .map_err(&e)?;
        }
        Ok(())
    }

    fn draw_pedals<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        g: &Geometry,
        out: &Path,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        let label = (FAMILY, g.font);
        let (t0, t1) = self.span;
        let mut c = Self::chart(area, g, true, 0.0..130.0, self.span).map_err(&e)?;
        c.configure_mesh()
            .disable_mesh()
            .y_desc("pedal")
            .x_desc("time (s)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label)
            .axis_desc_style(label)
            .y_labels(3)
            .draw()
            .map_err(&e)?;
        for (p, events) in self.pedals {
            // a step line: each value holds until the next event
            let mut pts = Vec::with_capacity(events.len() * 2 + 2);
            let mut last = 0.0;
            pts.push((t0, 0.0));
            for &(t, v) in events {
                pts.push((t, last));
                pts.push((t, v));
                last = v;
            }
            pts.push((t1, last));
            c.draw_series(LineSeries::new(pts, pedal_colour(*p).stroke_width(2)))
                .map_err(&e)?;
        }
        Ok(())
    }

    /// The legend column: what each colour means, types without notes, the pedals and
    /// the beat lines.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        g: &Geometry,
        px_per_s: f64,
        out: &Path,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        let font = g.font;
        let line = (font + font / 2) as i32;
        let text = |c: &'static RGBColor| TextStyle::from((FAMILY, font).into_font()).color(c);
        let bold = TextStyle::from((FAMILY, font, FontStyle::Bold).into_font()).color(&BLACK);
        let swatch = font as i32;
        let x0 = 6;
        let tx = x0 + swatch + 8;
        let mut y = 8;
        let heading = |y: &mut i32, s: &str| -> Result<()> {
            area.draw_text(s, &bold, (x0, *y)).map_err(&e)?;
            *y += line;
            Ok(())
        };
        let entry_box = |y: i32, c: RGBColor, s: &str| -> Result<()> {
            area.draw(&Rectangle::new(
                [(x0, y + 1), (x0 + swatch, y + swatch - 1)],
                c.filled(),
            ))
            .map_err(&e)?;
            area.draw_text(s, &text(&BLACK), (tx, y)).map_err(&e)
        };
        let entry_line = |y: i32, c: ShapeStyle, s: &str| -> Result<()> {
            let mid = y + swatch / 2;
            area.draw(&PathElement::new(vec![(x0, mid), (x0 + swatch, mid)], c))
                .map_err(&e)?;
            area.draw_text(s, &text(&BLACK), (tx, y)).map_err(&e)
        };
        match self.color_by {
            ColorBy::Type => {
                heading(&mut y, "notes by score type")?;
                for n in self.notes {
                    let c = if self.overlay {
                        // the notes' translucent colour on white
                        let RGBColor(r, g, b) = colour(n.t);
                        let mix = |x: u8| (0.55 * f64::from(x) + 0.45 * 255.0).round() as u8;
                        RGBColor(mix(r), mix(g), mix(b))
                    } else {
                        colour(n.t)
                    };
                    entry_box(y, c, &format!("{} ({})", n.t.name(), n.rows.len()))?;
                    y += line;
                }
            }
            ColorBy::Track | ColorBy::Instrument => {
                heading(
                    &mut y,
                    if self.color_by == ColorBy::Track {
                        "notes by track"
                    } else {
                        "notes by instrument"
                    },
                )?;
                let used: Vec<usize> = {
                    let mut v: Vec<usize> = self
                        .notes
                        .iter()
                        .flat_map(|n| n.rows.iter().map(|r| r.3))
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                for k in used {
                    let name = self
                        .keys
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| format!("track {k}"));
                    entry_box(y, track_colour(k), &name)?;
                    y += line;
                }
            }
        }
        if !self.absent.is_empty() {
            y += line / 3;
            let names: Vec<&str> = self.absent.iter().map(|t| t.name()).collect();
            area.draw_text("no notes of", &text(&RGBColor(110, 110, 110)), (x0, y))
                .map_err(&e)?;
            y += line;
            for n in names {
                area.draw_text(&format!("  {n}"), &text(&RGBColor(110, 110, 110)), (x0, y))
                    .map_err(&e)?;
                y += line;
            }
        }
        let drawn_beats = self.notes.iter().any(|n| n.t == ScoreType::Score)
            && self
                .beats
                .iter()
                .any(|b| *b >= self.span.0 && *b <= self.span.1);
        if drawn_beats {
            y += line / 3;
            heading(&mut y, "score beats")?;
            let (step, _) = beat_label_step(self.beats, px_per_s, f64::from(font) * 3.0);
            entry_line(y, RGBColor(120, 120, 120).stroke_width(2), "beat line")?;
            y += line;
            let every = if step == 1 {
                "every beat numbered".to_string()
            } else {
                format!("every {step}th beat numbered")
            };
            area.draw_text(&every, &text(&RGBColor(90, 90, 90)), (x0, y))
                .map_err(&e)?;
            y += line;
        }
        if !self.pedals.is_empty() {
            y += line / 3;
            heading(&mut y, "pedals")?;
            for (p, _) in self.pedals {
                entry_line(y, pedal_colour(*p).stroke_width(3), p.name())?;
                y += line;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_names_follow_the_instruments() {
        let inst = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            track_names(&inst(&["violin", "cello"]), 2),
            ["violin", "cello"]
        );
        assert_eq!(
            track_names(&inst(&["violin", "cello"]), 1),
            ["violin + cello"]
        );
        assert_eq!(
            track_names(&inst(&["a", "b", "c"]), 2),
            ["track 0", "track 1"]
        );
    }

    #[test]
    fn colour_keys_merge_repeated_files_or_instruments() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let paths = v(&["a-0", "a-1", "c-0", "a-0"]);
        let inst = v(&["violin", "violin", "cello", "violin"]);
        let (k, names) = keys(ColorBy::Track, &paths, &inst);
        assert_eq!(k, [0, 1, 2, 0]);
        assert_eq!(names, ["0: violin", "1: violin", "2: cello"]);
        let (k, names) = keys(ColorBy::Instrument, &paths, &inst);
        assert_eq!(k, [0, 0, 1, 0]);
        assert_eq!(names, ["violin", "cello"]);
    }

    #[test]
    fn beat_steps_grow_in_powers_of_two() {
        let beats: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(beat_label_step(&beats, 40.0, 36.0), (1, true));
        assert_eq!(beat_label_step(&beats, 10.0, 36.0), (4, true));
        assert_eq!(beat_label_step(&beats, 2.0, 36.0), (32, false));
        assert_eq!(beat_label_step(&[], 2.0, 36.0), (1, true));
    }

    #[test]
    fn colour_by_parses() {
        assert_eq!(ColorBy::parse("track").unwrap(), ColorBy::Track);
        assert_eq!(ColorBy::parse("Type").unwrap(), ColorBy::Type);
        assert_eq!(ColorBy::parse("instrument").unwrap(), ColorBy::Instrument);
        assert!(ColorBy::parse("pitch")
            .unwrap_err()
            .message()
            .contains("`pitch`"));
    }
}

//! Argument definitions (clap derive) shared by every command, and their conversion into
//! engine settings: global options -> a loaded `Dataset`, filter flags -> `FilterOptions`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use asmd::dataset::{FilterOptions, GtRequirement, InstrumentMatch};
use asmd::Dataset;

/// Audio-Score Meta-Dataset: get music datasets (audio, scores, alignments) onto disk and
/// pick songs across them.
#[derive(Parser, Debug)]
#[command(
    name = "asmd",
    version,
    about,
    after_help = "Examples:\n  asmd list\n  asmd query --composer Bach --instruments piano\n  \
                  asmd query --datasets Maestro --groups test --paths\n  asmd info Bach10\n  \
                  asmd check ~/asmd/datasets/Bach10"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Directory of dataset definitions (*.json); repeat for several; `<embedded>`
    /// stands for the official collection (to combine it with others). Default: the
    /// official collection embedded in asmd.
    #[arg(long = "definitions", short = 'd', global = true, value_name = "DIR")]
    pub definitions: Vec<PathBuf>,

    /// The datasets.json file (install directory). Default: $ASMD_METADATASET,
    /// $ASMD_HOME/datasets.json, then ~/.config/asmd/datasets.json.
    #[arg(
        long,
        short = 'm',
        global = true,
        value_name = "FILE",
        env = "ASMD_METADATASET"
    )]
    pub metadataset: Option<PathBuf>,

    /// Use this install directory instead of the one in datasets.json.
    #[arg(long, global = true, value_name = "DIR")]
    pub install_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

impl Global {
    /// Load the dataset these options describe (everything included).
    pub fn dataset(&self) -> asmd::Result<Dataset> {
        let mut d = Dataset::new(&self.definitions, self.metadataset.as_deref())?;
        if let Some(dir) = &self.install_dir {
            d.set_install_dir(dir);
        }
        Ok(d)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the datasets: songs, instruments, groups and ground-truth availability.
    #[command(after_help = "Examples:\n  asmd list\n  asmd list --json\n  asmd -d my_defs/ list")]
    List(ListArgs),
    /// Select songs by attributes, combine selections, print songs or paths.
    #[command(after_help = QUERY_HELP)]
    Query(Box<QueryArgs>),
    /// Describe one dataset in detail.
    #[command(after_help = "Examples:\n  asmd info Maestro\n  asmd info bach10 --json")]
    Info(InfoArgs),
    /// Validate ground-truth files (.json.gz), or every one under a directory.
    #[command(
        after_help = "Exit code 1 when a file is invalid.\n\nExamples:\n  asmd check song-0.json.gz\n  asmd check ~/asmd/datasets --json"
    )]
    Check(CheckArgs),
    /// Download datasets from their official sources, unpack them and add ground truth.
    #[command(after_help = INSTALL_HELP)]
    Install(Box<InstallArgs>),
    /// Describe recordings from their headers, or export mixed recordings as WAV.
    #[command(subcommand)]
    Audio(AudioCommand),
    /// Rebuild ground truth from the original annotations of installed datasets.
    #[command(after_help = CONVERT_HELP)]
    Convert(ConvertArgs),
    /// Show which datasets are installed, partial or absent, their size and ground truth.
    #[command(
        after_help = "Examples:\n  asmd status\n  asmd status --install-dir /data/asmd --json"
    )]
    Status(StatusArgs),
    /// Check installed files: listed files exist, sizes (and with --checksums, CRC-32s) match.
    #[command(
        after_help = "Exit code 1 when an installed dataset has problems.\n\nExamples:\n  asmd verify\n  asmd verify Bach10 --checksums"
    )]
    Verify(VerifyArgs),
    /// Misalignment statistics: train the model, evaluate the generators.
    #[command(subcommand, after_help = STATS_HELP)]
    Stats(StatsCommand),
    /// Export a selection for other tools: Parquet tables, WebDataset shards.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Draw a song of the selection: pianoroll per score type, beats, pedals, waveform.
    #[command(after_help = PLOT_HELP)]
    Plot(Box<PlotArgs>),
    /// Show or empty the on-disk cache of parsed ground truth.
    #[command(subcommand, after_help = CACHE_HELP)]
    Cache(CacheCommand),
    /// Print a shell completion script (from the same definitions as the arguments).
    #[command(
        after_help = "Examples:\n  asmd completions bash > ~/.local/share/bash-completion/completions/asmd\n  \
asmd completions zsh > ~/.zfunc/_asmd\n  asmd completions fish > ~/.config/fish/completions/asmd.fish"
    )]
    Completions(CompletionsArgs),
    /// Panic on purpose (tests of the panic net; not for users).
    #[command(name = "debug-panic", hide = true)]
    DebugPanic(DebugPanicArgs),
}

/// The shell of `asmd completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where the test panic happens.
#[derive(Args, Debug)]
pub struct DebugPanicArgs {
    /// On a worker thread of the parallel pool instead of the main thread.
    #[arg(long)]
    pub worker: bool,
}

const CACHE_HELP: &str =
    "Ground truth parsed once is kept in a binary form that later loads (in any \
process) read about thirty times faster; files written by `asmd convert` and ground-truth archives \
unpacked by `asmd install` are stored at once. The .json.gz files stay the source of truth: \
an edited file is parsed again. Folder: $ASMD_CACHE_DIR/gt-v1, else $XDG_CACHE_HOME/asmd/gt-v1, \
else ~/.cache/asmd/gt-v1. ASMD_GT_DISK_CACHE=0 turns it off; ASMD_GT_DISK_CACHE_MB bounds \
its size (default 4096; the least recently used entries go first).

Examples:
  asmd cache info
  asmd cache info --json
  asmd cache clear";

/// `asmd cache ...`
#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// Where the cache is, how many entries and bytes it holds, and its size bound.
    Info,
    /// Remove every entry.
    Clear,
}

const PLOT_HELP: &str =
    "The song is item --index of the query (default: the first).\n\nExamples:\n  \
asmd plot --datasets Maestro --index 3 --types precise_alignment,score,misaligned song.png\n  \
asmd plot --datasets Bach10 --color-by track --start 0 --end 20 bach.svg\n  \
asmd plot --datasets Maestro --overlay --waveform song.png";

#[derive(Args, Debug)]
pub struct PlotArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Output image: .png or .svg.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Which song of the query.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub index: usize,
    /// Score types to draw, one band each, top to bottom (comma-separated; default:
    /// precise_alignment,broad_alignment,score,misaligned). Types the song has no
    /// notes of are left out.
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    pub types: Vec<String>,
    /// Draw every type in one pianoroll, translucent, instead of one band each.
    #[arg(long)]
    pub overlay: bool,
    /// Colour notes by score type, by track (one colour per ground-truth file, named
    /// by its instrument) or by instrument (tracks of one instrument share a colour).
    #[arg(long, default_value = "type", value_name = "WHAT")]
    pub color_by: ColorByArg,
    /// Also draw the waveform of the mix (when the recording is on disk).
    #[arg(long)]
    pub waveform: bool,
    /// Start of the drawn span (s).
    #[arg(long, default_value_t = 0.0, value_name = "SECS")]
    pub start: f64,
    /// End of the drawn span (s; default: the last offset).
    #[arg(long, value_name = "SECS")]
    pub end: Option<f64>,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1600)]
    pub width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 900)]
    pub height: u32,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Write the selection as Parquet tables songs, notes, pedals, beats and f0, one
    /// file per table and dataset (OUT/<table>/<dataset>/part-0.parquet).
    #[command(after_help = EXPORT_PARQUET_HELP)]
    Parquet(Box<ParquetArgs>),
    /// Write the selection as WebDataset tar shards: per song the mono mix (WAV), its
    /// notes (npy) and metadata (json). Deterministic for a seed; a rerun resumes.
    #[command(after_help = EXPORT_SHARDS_HELP)]
    Shards(Box<ShardsArgs>),
}

const EXPORT_SHARDS_HELP: &str = "Examples:\n  \
asmd export shards --datasets Maestro --groups train --sr 16000 --max-shard-size 1GB --shuffle 1 shards/\n  \
python -c \"import webdataset as wds; print(next(iter(wds.WebDataset('shards/shard-000000.tar'))).keys())\"";

#[derive(Args, Debug)]
pub struct ShardsArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Output folder (created; a rerun continues an interrupted export there).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Sample rate of the audio (default: each song's own).
    #[arg(long, value_name = "HZ")]
    pub sr: Option<u32>,
    /// Close a shard before it passes this size: bytes, or with KB, MB, GB (powers of 1000) or KiB, MiB, GiB.
    #[arg(long, default_value = "1GB", value_name = "SIZE", value_parser = parse_size)]
    pub max_shard_size: u64,
    /// Shuffle the samples with this seed (default: selection order).
    #[arg(long, value_name = "SEED")]
    pub shuffle: Option<u64>,
    /// Score types in order of preference (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "precise_alignment,broad_alignment,misaligned,score",
        value_name = "TYPES"
    )]
    pub score_type: Vec<String>,
    /// 32-bit float WAV instead of 16-bit PCM.
    #[arg(long)]
    pub float: bool,
    /// Resampling quality: hq or fast.
    #[arg(long, default_value = "hq", value_name = "Q")]
    pub quality: String,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Skip songs whose files are not on disk (counted in the summary) instead of
    /// failing on the first one.
    #[arg(long)]
    pub skip_missing: bool,
}

/// `1GB`, `500MB`, `64KiB`, `1000` -> bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let x: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a size such as 1GB, 500MB or 1000000"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let v = (x * mult).round();
    if v < 1.0 {
        return Err(format!("`{s}`: the size must be positive"));
    }
    Ok(v as u64)
}

const EXPORT_PARQUET_HELP: &str = "Every file has a `dataset` column (and `song`, the song's index in the \
selection): join on both. Readers keep it with their plain calls, on a folder or a single file \
(pyarrow, polars, DuckDB, Spark, HF datasets' load_dataset).\n\n\
Examples:\n  asmd export parquet --datasets Bach10,SMD tables/\n  \
asmd export parquet --instruments piano --ground-truth precise_alignment /data/piano --overwrite\n  \
duckdb -c \"SELECT dataset, count(*) FROM read_parquet('tables/notes/*/*.parquet') GROUP BY 1\"";

#[derive(Args, Debug)]
pub struct ParquetArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Output folder (must not exist or be empty, unless --overwrite).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Replace OUT when it exists (only once the new export is complete).
    #[arg(long)]
    pub overwrite: bool,
    /// Fail when a ground-truth file is absent (default: its song has no notes and
    /// `gt_present = false`).
    #[arg(long)]
    pub require_gt: bool,
    /// Do not read recordings' headers for `audio_duration`.
    #[arg(long)]
    pub no_audio_durations: bool,
}

const STATS_HELP: &str = "Examples:\n  asmd stats train --from-pairs asap-dev/ --out model.json\n  \
asmd stats train --datasets Maestro --groups asap --out model.json\n  \
asmd stats evaluate --from-pairs asap-dev/ --seed 1992\n  asmd stats evaluate --from-pairs asap-dev/ --json\n  \
asmd stats describe ~/asmd_data/Bach10/Bach10_v1.1/01-AchGottundHerr/01-AchGottundHerr-*.json.gz";

#[derive(Subcommand, Debug)]
pub enum StatsCommand {
    /// Match scores with performances and train a misalignment model (JSON).
    #[command(after_help = STATS_HELP)]
    Train(StatsTrainArgs),
    /// 70/30 evaluation of every method on held-out songs: KS of the score/performance
    /// features, inversion rate, the paper's L1, with the identity baseline.
    #[command(after_help = STATS_HELP)]
    Evaluate(StatsEvalArgs),
    /// Per ground-truth file: how its misaligned notes (and real score, if any) relate
    /// to its performance (span ratio, local tempo, durations, chords, inversions).
    #[command(after_help = STATS_HELP)]
    Describe(StatsDescribeArgs),
}

#[derive(Args, Debug)]
pub struct StatsDescribeArgs {
    /// Ground-truth files (`.json.gz`); the files of one song are reported together.
    #[arg(required = true, value_name = "GT_FILE")]
    pub files: Vec<PathBuf>,
}

/// Where score/performance pairs come from.
#[derive(Args, Debug)]
pub struct PairsArgs {
    /// A folder of score/performance MIDI pairs (ASAP layout: midi_score.mid + performances
    /// in the same folder) instead of a dataset selection.
    #[arg(long, value_name = "DIR")]
    pub from_pairs: Option<PathBuf>,
    /// Dataset selection (default: songs with both `score` and an aligned type).
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Seconds allowed to match one song; slower songs are skipped.
    #[arg(long, default_value_t = 20, value_name = "SECS")]
    pub timeout: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub jobs: usize,
}

#[derive(Args, Debug)]
pub struct StatsTrainArgs {
    #[command(flatten)]
    pub pairs: PairsArgs,
    /// Where to write the model.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Method the model generates with by default (every method is trained).
    #[arg(long, default_value = "warp", value_parser = ["warp", "histogram", "hmm", "tempo"])]
    pub method: String,
}

#[derive(Args, Debug)]
pub struct StatsEvalArgs {
    #[command(flatten)]
    pub pairs: PairsArgs,
    /// Seed of the split and of the random draws.
    #[arg(long, default_value_t = 1992, value_name = "N")]
    pub seed: u64,
    /// Generated scores per held-out song and method.
    #[arg(long, default_value_t = asmd::misalign::evaluate::DEFAULT_DRAWS, value_name = "N")]
    pub draws: usize,
    /// Methods to evaluate (comma-separated; default all).
    #[arg(long, value_delimiter = ',', value_parser = ["warp", "histogram", "hmm", "tempo"])]
    pub methods: Vec<String>,
}

const INSTALL_HELP: &str = "Without datasets, installs all of them; a dataset counts as installed only when \
its completion marker (written last) exists, so an interrupted install is resumed by running the same \
command again, without downloading finished bytes again.\n\nExamples:\n  asmd install --dry-run                 \
# sizes, disk space and time, nothing downloaded\n  asmd install Bach10 PHENICX\n  asmd install -i                         \
# interactive: choose folder and datasets, confirm\n  asmd install --mirror /mnt/lab/asmd-archives Maestro\n  \
asmd install vienna_corpus --allow-shell # definitions with shell lines need consent";

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Datasets to install (default: all).
    #[arg(value_name = "DATASET")]
    pub datasets: Vec<String>,
    /// More datasets to install (same as the positional names).
    #[arg(long = "dataset", value_name = "NAME")]
    pub dataset: Vec<String>,
    /// Ask for the install folder, the datasets and consent interactively.
    #[arg(long, short = 'i')]
    pub interactive: bool,
    /// Show the plan (download size, disk needed, free space, time) and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Ground truth: download the ASMD archive, convert from the original annotations, or none.
    #[arg(long = "ground-truth", value_name = "MODE", default_value = "archive")]
    pub ground_truth: GroundTruthArg,
    /// Rebuild ground truth from the original annotations (= --ground-truth convert).
    #[arg(long)]
    pub convert: bool,
    /// URL (or file) of the ground-truth archive instead of the official one.
    #[arg(long, value_name = "URL")]
    pub gt_url: Option<String>,
    /// Run the shell lines of legacy definitions (they are code: read them with --dry-run).
    #[arg(long)]
    pub allow_shell: bool,
    /// Folder that `&asmd_dir` stands for in shell lines (must hold my_scores/).
    #[arg(long, value_name = "DIR", env = "ASMD_DIR")]
    pub asmd_dir: Option<PathBuf>,
    /// Fetch archives from a lab mirror (URL) or a local folder with the same file names.
    #[arg(long, value_name = "URL|DIR", env = "ASMD_MIRROR")]
    pub mirror: Option<String>,
    /// Scratch folder for downloads and unpacking (datasets.json's decompress_path).
    #[arg(long, visible_alias = "decompress-path", value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Reinstall datasets that are already installed.
    #[arg(long)]
    pub force: bool,
    /// Keep the downloaded archives after a successful install.
    #[arg(long)]
    pub keep_downloads: bool,
    /// Accept an install where files listed in the definition are missing.
    #[arg(long)]
    pub allow_missing: bool,
    /// Datasets processed in parallel.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub jobs: usize,
    /// Attempts without progress before a download fails.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
    /// Seconds of silence before a stalled transfer is retried.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// Seconds allowed to connect.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub connect_timeout: u64,
    /// Base URL of Mega's API (for tests and proxies).
    #[arg(long, hide = true, value_name = "URL")]
    pub mega_api: Option<String>,
    /// No progress bars or messages.
    #[arg(long, short = 'q', visible_alias = "no-progress")]
    pub quiet: bool,
}

const CONVERT_HELP: &str = "Each song's ground-truth files are written (atomically) next to the \
annotations they come from; files newer than their inputs are left alone, so a rerun only redoes \
what is missing or stale. One bad file fails its song, never the run.\n\nExamples:\n  \
asmd convert                              # every installed dataset\n  asmd convert Bach10 --force\n  \
asmd convert --blacklist Maestro --archive ground_truth.tar.gz --jobs 2";

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Datasets to convert (default: every installed one).
    #[arg(value_name = "DATASET")]
    pub datasets: Vec<String>,
    /// More datasets to convert (whitelist).
    #[arg(long = "dataset", visible_alias = "whitelist", value_name = "NAME")]
    pub dataset: Vec<String>,
    /// Datasets to leave out.
    #[arg(long, value_name = "NAME")]
    pub blacklist: Vec<String>,
    /// Also pack the ground truth into a .tar.gz (paths relative to the install dir).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "ground_truth.tar.gz")]
    pub archive: Option<PathBuf>,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub jobs: usize,
    /// Redo every file, even those that are up to date.
    #[arg(long)]
    pub force: bool,
    /// Seed of the artificial misalignment (same seed, same files).
    #[arg(long, default_value_t = asmd::convert::DEFAULT_SEED, value_name = "N")]
    pub seed: u64,
    /// Misalignment model (JSON from `asmd stats train`; default: the shipped one).
    #[arg(long, value_name = "FILE")]
    pub misalignment_model: Option<PathBuf>,
    /// Do not generate `misaligned` notes for groups with `misaligned: 2`.
    #[arg(long, conflicts_with = "misalignment_model")]
    pub no_misalignment: bool,
    /// Only part K of N of the songs (0-based, dealt round-robin), e.g. one job of a
    /// cluster array: `--part $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
    #[arg(long, value_name = "K/N", value_parser = parse_part)]
    pub part: Option<(usize, usize)>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_part(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}`: expected K/N with 0 <= K < N, e.g. 0/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

#[derive(Subcommand, Debug)]
pub enum AudioCommand {
    /// Duration, bit rate, sample rate, channels and codec of audio files (headers only),
    /// given as files or as the mix recordings of a query.
    #[command(
        after_help = "Examples:\n  asmd audio info song.flac other.wav\n  asmd audio info --datasets Bach10 --json"
    )]
    Info(Box<AudioInfoArgs>),
    /// Decode the mix of every selected song (resampled to --sr) and write it as WAV,
    /// in parallel, to OUT/<dataset>/<NNNN>_<recording>.wav.
    #[command(
        after_help = "Each song gets its own file: NNNN is the song's position in its dataset's definition \
(0-based), <recording> the stem of its mix file (or the folder of a mix summed from several files). \
Two songs never share a file; a name collision is an error. Files already exported are kept (use \
--force to redo them).\n\nExamples:\n  asmd audio export --datasets Bach10 --sr 16000 --out wavs/\n  asmd audio export --composer Mozart --sr 22050 --float --out /data/mozart"
    )]
    Export(Box<AudioExportArgs>),
}

#[derive(Args, Debug)]
pub struct AudioInfoArgs {
    /// Audio files (without files: the mix recordings of the query below).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub query: QueryArgs,
}

#[derive(Args, Debug)]
pub struct AudioExportArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Output sample rate (default: each song's own).
    #[arg(long, value_name = "HZ")]
    pub sr: Option<u32>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write 32-bit float WAV instead of 16-bit PCM.
    #[arg(long)]
    pub float: bool,
    /// Resampling quality: hq or fast.
    #[arg(long, default_value = "hq", value_name = "Q")]
    pub quality: String,
    /// Redo files that already exist.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Scratch folder used by the install (to report partial downloads).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Datasets to check (default: all).
    #[arg(value_name = "DATASET")]
    pub names: Vec<String>,
    /// More datasets to check (same as the positional names).
    #[arg(long = "dataset", value_name = "NAME")]
    pub datasets: Vec<String>,
    /// Also re-read every file and compare its CRC-32 with the install manifest.
    #[arg(long)]
    pub checksums: bool,
}

const QUERY_HELP: &str = "Set operations combine this selection with another one given as a \
quoted string of the same filter flags:\n  asmd query --composer Bach --union \"--datasets Bach10\"\n  \
asmd query --datasets Maestro --minus \"--groups train\"\n\nExamples:\n  asmd query --instruments piano --ensemble false\n  \
asmd query --instruments violin --match contains --paths\n  asmd query --ground-truth precise_alignment --ground-truth f0=2\n  \
asmd query --datasets Maestro --split 0.7,0.3 --seed 1 --part 0";

#[derive(Args, Debug)]
pub struct ListArgs {}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Dataset name (case-insensitive).
    pub name: String,
    /// Also list every song.
    #[arg(long)]
    pub songs: bool,
    /// Print the BibTeX to cite (ASMD's paper and the dataset's) instead.
    #[arg(long)]
    pub cite: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Ground-truth files or directories (searched recursively for *.json.gz).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print only invalid files.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The filter flags (mirror of `Dataset.filter(...)`'s keyword arguments).
#[derive(Args, Debug, Clone, Default, PartialEq)]
pub struct FilterArgs {
    /// Instruments of the song (comma-separated or repeated); see --match.
    #[arg(long, short = 'i', value_delimiter = ',', value_name = "NAME")]
    pub instruments: Vec<String>,
    /// How --instruments matches: `exact` list equality (ASMD 0.5.1) or `contains` all.
    #[arg(long = "match", value_name = "MODE", default_value = "exact")]
    pub instrument_match: MatchArg,
    /// Only ensemble (true) or solo (false) datasets.
    #[arg(long, value_name = "BOOL")]
    pub ensemble: Option<bool>,
    /// Substring of the composer's name.
    #[arg(long, short = 'c')]
    pub composer: Option<String>,
    /// Match --composer ignoring case.
    #[arg(long)]
    pub ignore_case: bool,
    /// Dataset names (comma-separated or repeated, case-insensitive).
    #[arg(
        long = "datasets",
        visible_alias = "dataset",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub datasets: Vec<String>,
    /// Groups the song must all belong to (e.g. train, test).
    #[arg(long, short = 'g', value_delimiter = ',', value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Required annotation: TYPE (any level >= 1) or TYPE=LEVEL (exact); repeat for several.
    #[arg(long = "ground-truth", value_name = "TYPE[=LEVEL]")]
    pub ground_truth: Vec<String>,
    /// Include per-instrument source recordings in paths.
    #[arg(long)]
    pub sources: bool,
    /// With --sources: all sources (else only the first --instruments entry's).
    #[arg(long)]
    pub all: bool,
    /// Leave mixed recordings out of paths.
    #[arg(long)]
    pub no_mixed: bool,
    /// Only songs whose files are on disk (see `asmd status`).
    #[arg(long)]
    pub installed: bool,
}

impl FilterArgs {
    /// The engine's filter options.
    pub fn to_options(&self) -> asmd::Result<FilterOptions> {
        let mut gt = Vec::new();
        for spec in &self.ground_truth {
            gt.push(match spec.split_once('=') {
                None => GtRequirement::any(spec.trim()),
                Some((t, l)) => {
                    let level: u8 = l.trim().parse().map_err(|_| {
                        asmd::Error::argument(format!(
                            "--ground-truth {spec}: level must be 0, 1 or 2"
                        ))
                    })?;
                    GtRequirement::exact(t.trim(), level)
                }
            });
        }
        Ok(FilterOptions {
            instruments: self.instruments.clone(),
            instrument_match: self.instrument_match.into(),
            ensemble: self.ensemble,
            mixed: !self.no_mixed,
            sources: self.sources,
            all: self.all,
            composer: self.composer.clone().unwrap_or_default(),
            composer_ignore_case: self.ignore_case,
            datasets: self.datasets.clone(),
            groups: self.groups.clone(),
            ground_truth: gt,
            installed: self.installed,
        })
    }
}

/// A filter given as a string of flags (the operand of --union/--intersect/--minus).
#[derive(Parser, Debug)]
#[command(no_binary_name = true)]
pub struct FilterSpec {
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Add the songs of another selection (quoted filter flags).
    #[arg(long, value_name = "FILTERS", allow_hyphen_values = true)]
    pub union: Vec<String>,
    /// Keep only songs also in another selection (quoted filter flags).
    #[arg(long, value_name = "FILTERS", allow_hyphen_values = true)]
    pub intersect: Vec<String>,
    /// Remove the songs of another selection (quoted filter flags).
    #[arg(long, value_name = "FILTERS", allow_hyphen_values = true)]
    pub minus: Vec<String>,
    /// Take the complement of the selection.
    #[arg(long)]
    pub complement: bool,
    /// Split the selection randomly with these weights (e.g. 0.7,0.3) ...
    #[arg(long, value_delimiter = ',', value_name = "WEIGHTS")]
    pub split: Vec<f64>,
    /// ... with this seed ...
    #[arg(long, default_value_t = 0, requires = "split")]
    pub seed: u64,
    /// ... and print this part (0-based).
    #[arg(long, default_value_t = 0, requires = "split")]
    pub part: usize,
    /// Split with exact proportions instead of independent draws per song.
    #[arg(long, requires = "split")]
    pub exact: bool,
    /// Print item paths (absolute) instead of songs.
    #[arg(long)]
    pub paths: bool,
    /// Print only the number of selected songs.
    #[arg(long)]
    pub count: bool,
}

/// Parse a quoted operand like `"--datasets Bach10 --composer Bach"`.
pub fn parse_spec(spec: &str) -> asmd::Result<FilterArgs> {
    let words = shell_words(spec);
    FilterSpec::try_parse_from(words)
        .map(|s| s.filter)
        .map_err(|e| asmd::Error::argument(format!("in \"{spec}\": {}", e.kind())).with_source(e))
}

/// Split a string into words, honouring single and double quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"') | (None, '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_quoted_values() {
        let f = parse_spec("--composer 'Johann Sebastian' --datasets Bach10,SMD").unwrap();
        assert_eq!(f.composer.as_deref(), Some("Johann Sebastian"));
        assert_eq!(f.datasets, vec!["Bach10", "SMD"]);
        assert!(parse_spec("--no-such-flag").is_err());
    }

    #[test]
    fn ground_truth_levels() {
        let f = FilterArgs {
            ground_truth: vec!["f0=2".into(), "score".into()],
            ..Default::default()
        };
        let o = f.to_options().unwrap();
        assert_eq!(o.ground_truth[0], GtRequirement::exact("f0", 2));
        assert_eq!(o.ground_truth[1], GtRequirement::any("score"));
        let bad = FilterArgs {
            ground_truth: vec!["f0=x".into()],
            ..Default::default()
        };
        assert!(bad.to_options().is_err());
    }
}

/// `--ground-truth MODE` of `asmd install` (the engine's [`GtMode`]).
///
/// [`GtMode`]: asmd::install::GtMode
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroundTruthArg {
    /// Download the ASMD ground-truth archive.
    Archive,
    /// Convert from the original annotations.
    Convert,
    /// No ground truth.
    None,
}

impl From<GroundTruthArg> for asmd::install::GtMode {
    fn from(a: GroundTruthArg) -> Self {
        match a {
            GroundTruthArg::Archive => asmd::install::GtMode::Archive,
            GroundTruthArg::Convert => asmd::install::GtMode::Convert,
            GroundTruthArg::None => asmd::install::GtMode::Skip,
        }
    }
}

/// `--match MODE` of the filters (the engine's [`InstrumentMatch`]).
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatchArg {
    /// The song's instruments equal the list (ASMD 0.5.1).
    #[default]
    Exact,
    /// The song has all the listed instruments.
    Contains,
}

impl From<MatchArg> for InstrumentMatch {
    fn from(a: MatchArg) -> Self {
        match a {
            MatchArg::Exact => InstrumentMatch::Exact,
            MatchArg::Contains => InstrumentMatch::ContainsAll,
        }
    }
}

/// `--color-by WHAT` of `asmd plot` (the engine's [`ColorBy`]).
///
/// [`ColorBy`]: asmd::plot::ColorBy
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorByArg {
    /// One colour per score type.
    Type,
    /// One colour per track (ground-truth file).
    Track,
    /// One colour per instrument.
    Instrument,
}

impl From<ColorByArg> for asmd::plot::ColorBy {
    fn from(a: ColorByArg) -> Self {
        match a {
            ColorByArg::Type => asmd::plot::ColorBy::Type,
            ColorByArg::Track => asmd::plot::ColorBy::Track,
            ColorByArg::Instrument => asmd::plot::ColorBy::Instrument,
        }
    }
}

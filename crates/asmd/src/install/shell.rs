//! Legacy `post-process` shell lines (ASMD 0.5.1 definitions), and the `&asmd_dir`
//! folder they read from.
//!
//! Shell lines from a definition are code: the installer runs them only when the caller
//! consented (`allow_shell`, or the interactive confirmation that shows them). They run
//! under **bash** (the shipped SMD line relies on brace expansion), as one script, with
//! `&install_dir` and `&asmd_dir` substituted (paths quoted for the shell when needed),
//! in a scratch working directory, with these environment variables set:
//! `ASMD_INSTALL_DIR` (what `&install_dir` became), `ASMD_DIR` and, with a mirror,
//! `ASMD_MIRROR` (read by `python -m asmd.asap`). The script's output is kept in
//! `post-process.log` next to it; a non-zero exit status fails the step with the end of
//! that log.
//!
//! **`python -m asmd...` in a line** runs asmd's own modules with the Python that has
//! asmd, never with whatever `python` comes first on `PATH` (which may lack asmd, or
//! hold ASMD 0.5.1 with its own install folder). A line that is just
//! `python -m asmd.asap` (or `python3`) never reaches the shell: the recipe turns it
//! into the built-in ASAP step ([`super::recipe`]). For any other such call the script
//! defines `python` and `python3` as bash functions (exported to nested bash too): a
//! call `-m asmd` or `-m asmd.<module>` runs `$ASMD_PYTHON` (the interpreter the
//! Python package names when it runs the installer, [`ENV_PYTHON`]); without it the
//! call ends the script (exit status 127, which fails the step) with a message saying
//! how to run the install from Python. Every other use of `python` is left alone.
//!
//! When a built-in step splits a definition's lines in two scripts, the second one
//! starts in the working directory the first one ended in (files in the scratch folder
//! stay too; shell variables do not carry over).
//!
//! `&asmd_dir` is a folder holding `my_scores/` (the four score MIDIs vienna_corpus
//! copies); [`asmd_dir`] writes them out of the binary into a cache folder unless the
//! caller gives another folder.
//!
//! ```
//! use std::path::Path;
//! let line = asmd::install::shell::substitute(
//!     "mv &install_dir/x/*.midi &install_dir/y/", Path::new("/data/asmd"), Path::new("/opt/asmd"));
//! assert_eq!(line, "mv /data/asmd/x/*.midi /data/asmd/y/");
//! let quoted = asmd::install::shell::substitute("cd &asmd_dir", Path::new("/d"), Path::new("/my dir"));
//! assert_eq!(quoted, "cd '/my dir'");
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, ErrorKind, IoContext, Result};

/// The score MIDIs shipped for vienna_corpus (`&asmd_dir/my_scores/`).
pub const MY_SCORES: [(&str, &[u8]); 4] = [
    (
        "Chopin_op10_no3.mid",
        include_bytes!("../../../../assets/my_scores/Chopin_op10_no3.mid"),
    ),
    (
        "Chopin_op38.mid",
        include_bytes!("../../../../assets/my_scores/Chopin_op38.mid"),
    ),
    (
        "Mozart_K331_1st-mov.mid",
        include_bytes!("../../../../assets/my_scores/Mozart_K331_1st-mov.mid"),
    ),
    (
        "Schubert_D783_no15.mid",
        include_bytes!("../../../../assets/my_scores/Schubert_D783_no15.mid"),
    ),
];

/// Environment variable naming the Python interpreter that has asmd (set by the Python
/// package; shell lines run `python -m asmd...` with it).
pub const ENV_PYTHON: &str = "ASMD_PYTHON";

/// File in the scratch working directory remembering where a script ended (the next
/// script of the same definition starts there).
const PWD_FILE: &str = ".asmd-shell-pwd";

/// The start of every script: `python`/`python3` calls of asmd's modules go to
/// `$ASMD_PYTHON`, and the working directory of an earlier script is restored.
const PRELUDE: &str = r#"# --- asmd: `python -m asmd...` runs with the Python that has asmd ($ASMD_PYTHON) ---
asmd_python_call() {
  local cmd="$1"; shift
  if [ "${1:-}" = "-m" ] && { [ "${2:-}" = "asmd" ] || [ "${2#asmd.}" != "${2:-}" ]; }; then
    if [ -n "${ASMD_PYTHON:-}" ]; then "$ASMD_PYTHON" "$@"; return; fi
    echo "asmd: \`$cmd $*\` needs the Python that has asmd, and none is known here: run the install from Python (the pip-installed \`asmd\` command or \`python -m asmd.install\`), or set ASMD_PYTHON to that interpreter" >&2
    exit 127
  fi
  command "$cmd" "$@"
}
python() { asmd_python_call python "$@"; }
python3() { asmd_python_call python3 "$@"; }
export -f asmd_python_call python python3
if [ -f .asmd-shell-pwd ]; then cd "$(cat .asmd-shell-pwd)" || exit 1; fi
trap 'pwd > "$ASMD_SHELL_STATE"' EXIT
# --- the definition's lines ---
"#;

/// Environment variable naming the `&asmd_dir` folder to use.
pub const ENV_ASMD_DIR: &str = "ASMD_DIR";
/// Environment variable telling child processes where the (staging) install dir is.
pub const ENV_INSTALL_DIR: &str = "ASMD_INSTALL_DIR";

fn cache_base() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(h) = env("ASMD_HOME") {
        return Some(h);
    }
    if cfg!(windows) {
        return env("LOCALAPPDATA").map(|p| p.join("asmd"));
    }
    env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .map(|p| p.join("asmd"))
}

/// The folder `&asmd_dir` stands for: `given` if any, else `$ASMD_DIR`, else a cache
/// folder (`$ASMD_HOME/asmd_dir`, `$XDG_CACHE_HOME/asmd/asmd_dir` or
/// `~/.cache/asmd/asmd_dir`) where the shipped `my_scores/` are written when missing.
/// A relative folder is made absolute (shell lines run in another working directory).
pub fn asmd_dir(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(g) = given {
        return Ok(super::state::absolute(g));
    }
    if let Some(e) = std::env::var_os(ENV_ASMD_DIR).filter(|v| !v.is_empty()) {
        return Ok(super::state::absolute(Path::new(&e)));
    }
    let base = cache_base().unwrap_or_else(|| std::env::temp_dir().join("asmd"));
    let dir = base.join("asmd_dir");
    materialise_scores(&dir)?;
    Ok(dir)
}

/// Write the shipped score MIDIs into `<dir>/my_scores/` (files already there with the
/// right size are kept).
pub fn materialise_scores(dir: &Path) -> Result<()> {
    let scores = dir.join("my_scores");
    std::fs::create_dir_all(&scores).with_path(&scores)?;
    for (name, bytes) in MY_SCORES {
        let p = scores.join(name);
        let same = std::fs::metadata(&p)
            .map(|m| m.len() == bytes.len() as u64)
            .unwrap_or(false);
        if !same {
            crate::files::write_atomically(&p, bytes)?;
        }
    }
    Ok(())
}

/// A path as a shell word: unchanged when it only has safe characters, else single-quoted.
pub fn shell_quote(p: &Path) -> String {
    let s = p.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Substitute `&install_dir` and `&asmd_dir` in one line.
pub fn substitute(line: &str, install_dir: &Path, asmd_dir: &Path) -> String {
    line.replace("&install_dir", &shell_quote(install_dir))
        .replace("&asmd_dir", &shell_quote(asmd_dir))
}

/// How to run shell lines.
#[derive(Debug, Clone)]
pub struct ShellRun<'a> {
    /// What `&install_dir` becomes.
    pub install_dir: &'a Path,
    /// What `&asmd_dir` becomes.
    pub asmd_dir: &'a Path,
    /// Working directory (created if missing).
    pub cwd: &'a Path,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// Run `lines` as one bash script (after substitution). Errors name the log file.
pub fn run_lines(lines: &[String], run: &ShellRun) -> Result<()> {
    std::fs::create_dir_all(run.cwd).with_path(run.cwd)?;
    let script_path = run.cwd.join("post-process.sh");
    let log_path = run.cwd.join("post-process.log");
    let mut script = String::from(PRELUDE);
    for l in lines {
        script.push_str(&substitute(l, run.install_dir, run.asmd_dir));
        script.push('\n');
    }
    std::fs::write(&script_path, &script).with_path(&script_path)?;
    let log = std::fs::File::create(&log_path).with_path(&log_path)?;
    let log2 = log.try_clone().with_path(&log_path)?;
    let mut cmd = Command::new("bash");
    cmd.arg(&script_path)
        .current_dir(run.cwd)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .env(ENV_INSTALL_DIR, run.install_dir)
        .env(ENV_ASMD_DIR, run.asmd_dir)
        .env("ASMD_SHELL_STATE", run.cwd.join(PWD_FILE));
    for (k, v) in &run.env {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| {
        Error::new(ErrorKind::Unsupported, format!("cannot run bash: {e}")).with_file(&script_path)
    })?;
    if status.success() {
        return Ok(());
    }
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(8).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Error::new(
        ErrorKind::Callback,
        format!(
            "post-process shell lines failed ({status}); last output:\n{}",
            tail.join("\n")
        ),
    )
    .with_file(&log_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_runs_with_substitution_and_env() {
        let d = tempfile::tempdir().unwrap();
        let inst = d.path().join("inst dir");
        std::fs::create_dir_all(&inst).unwrap();
        let lines = vec![
            "mkdir -p &install_dir/x && echo {a,b} > &install_dir/x/out.txt".to_string(),
            "echo \"$ASMD_MIRROR\" >> &install_dir/x/out.txt".to_string(),
        ];
        run_lines(
            &lines,
            &ShellRun {
                install_dir: &inst,
                asmd_dir: d.path(),
                cwd: &d.path().join("cwd"),
                env: vec![("ASMD_MIRROR".into(), "/m".into())],
            },
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(inst.join("x/out.txt")).unwrap(),
            "a b\n/m\n"
        );
        let e = run_lines(
            &["echo oops; exit 3".to_string()],
            &ShellRun {
                install_dir: &inst,
                asmd_dir: d.path(),
                cwd: &d.path().join("cwd"),
                env: vec![],
            },
        )
        .unwrap_err();
        assert!(e.message().contains("oops"), "{e}");
    }

    #[test]
    fn scores_are_materialised() {
        let d = tempfile::tempdir().unwrap();
        materialise_scores(d.path()).unwrap();
        assert_eq!(
            std::fs::read_dir(d.path().join("my_scores"))
                .unwrap()
                .count(),
            4
        );
    }
}

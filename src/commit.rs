//! What makes a git-lineage commit behave like `git commit`: the
//! `pre-commit`, `prepare-commit-msg`, `commit-msg` and `post-commit` hooks,
//! and signing with the program git config names (`commit.gpgsign`,
//! `gpg.format`, `gpg.program`, `gpg.ssh.program`, `user.signingkey`).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gix::bstr::ByteSlice;

/// How a command commits, mirroring `git commit`'s flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitOptions {
    /// `--no-gpg-sign`: do not sign, even when `commit.gpgsign` is true.
    pub no_gpg_sign: bool,
    /// `--no-verify`: skip the `pre-commit` and `commit-msg` hooks.
    pub no_verify: bool,
}

/// Why a hook or the signing program stopped a commit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// A hook exited non-zero (its output went to stderr).
    #[error("the {name} hook '{}' failed ({status}); its output is above", path.display())]
    HookFailed {
        /// The hook's name (`pre-commit`, `commit-msg`…).
        name: &'static str,
        /// The hook's path.
        path: PathBuf,
        /// How it exited.
        status: String,
    },
    /// A hook or the signing program could not be started.
    #[error("cannot run '{program}': {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The commit message was empty after the hooks.
    #[error("the commit message is empty after the commit-msg hook")]
    EmptyMessage,
    /// Signing was required (`commit.gpgsign=true`) and failed.
    #[error("cannot sign the commit with {format} program '{program}': {detail}")]
    SignFailed {
        /// `openpgp`, `ssh` or `x509`.
        format: String,
        /// The program that was run.
        program: String,
        /// What went wrong, with the program's output.
        detail: String,
    },
    /// `gpg.format` names a format git does not know.
    #[error("unknown gpg.format '{0}' (git knows openpgp, ssh and x509)")]
    UnknownFormat(String),
    /// `gpg.format=ssh` needs `user.signingkey`.
    #[error("commit.gpgsign is true with gpg.format=ssh but user.signingkey is not set")]
    NoSigningKey,
    /// A temporary file for a hook or the signer could not be written.
    #[error("cannot write '{}': {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The hooks directory: `core.hooksPath` (relative to the worktree root when
/// relative, `~/` expanded), else `<common git dir>/hooks`.
fn hooks_dir(repo: &gix::Repository, root: &Path) -> PathBuf {
    let config = repo.config_snapshot();
    match config.string("core.hooksPath") {
        Some(value) => {
            let text = value.to_str_lossy().into_owned();
            let path = expand_home(&text);
            if path.is_absolute() {
                path
            } else {
                root.join(path)
            }
        }
        None => repo.common_dir().join("hooks"),
    }
}

fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// The runnable hook called `name`, if there is one (like git, a file that is
/// not executable is ignored).
pub(crate) fn find_hook(repo: &gix::Repository, root: &Path, name: &str) -> Option<PathBuf> {
    let path = hooks_dir(repo, root).join(name);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return None;
        }
    }
    Some(path)
}

/// Run hook `name` with `args` like git does: from the worktree root, with
/// `GIT_INDEX_FILE` naming the index being committed and `GIT_EDITOR=:` (no
/// editor is started). Its stdout and stderr go to our stderr. Returns
/// `Ok(false)` when there is no such hook.
pub(crate) fn run_hook(
    repo: &gix::Repository,
    root: &Path,
    name: &'static str,
    args: &[OsString],
    index_file: Option<&Path>,
) -> Result<bool, CommitError> {
    let Some(path) = find_hook(repo, root, name) else {
        return Ok(false);
    };
    let mut command = Command::new(&path);
    command
        .args(args)
        .current_dir(root)
        .env("GIT_EDITOR", ":")
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()));
    match index_file {
        Some(index) => command.env("GIT_INDEX_FILE", index),
        None => command.env_remove("GIT_INDEX_FILE"),
    };
    let status = command.status().map_err(|source| CommitError::Spawn {
        program: path.display().to_string(),
        source,
    })?;
    if !status.success() {
        return Err(CommitError::HookFailed {
            name,
            path,
            status: describe_status(status),
        });
    }
    Ok(true)
}

/// `<status>; it said: <output>`, or `<status>, with no output`.
fn with_output(status: std::process::ExitStatus, output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    match text.trim() {
        "" => format!("{}, with no output", describe_status(status)),
        text => format!("{}; it said: {text}", describe_status(status)),
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".into(),
    }
}

/// Git's default `--cleanup=whitespace` for a message given with `-m`:
/// trailing whitespace stripped, runs of blank lines collapsed, leading and
/// trailing blank lines removed, one final newline.
pub(crate) fn clean_message(text: &str) -> String {
    let mut out = String::new();
    let mut blank_run = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Signing settings read from git config, when `commit.gpgsign` asks for it.
pub(crate) struct Signer {
    format: String,
    program: String,
    key: Option<String>,
}

impl Signer {
    /// The signer git would use for a commit, or `None` when the commit is
    /// not to be signed. `committer` (`Name <email>`) is gpg's default key.
    pub(crate) fn from_config(
        repo: &gix::Repository,
        options: &CommitOptions,
    ) -> Result<Option<Signer>, CommitError> {
        if options.no_gpg_sign {
            return Ok(None);
        }
        let config = repo.config_snapshot();
        if !config.boolean("commit.gpgsign").unwrap_or(false) {
            return Ok(None);
        }
        let get = |key: &str| config.string(key).map(|v| v.to_str_lossy().into_owned());
        let format = get("gpg.format").unwrap_or_else(|| "openpgp".into());
        let program = match format.as_str() {
            "openpgp" => get("gpg.openpgp.program")
                .or_else(|| get("gpg.program"))
                .unwrap_or_else(|| "gpg".into()),
            "x509" => get("gpg.x509.program").unwrap_or_else(|| "gpgsm".into()),
            "ssh" => get("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".into()),
            other => return Err(CommitError::UnknownFormat(other.into())),
        };
        Ok(Some(Signer {
            format,
            program,
            key: get("user.signingkey").filter(|k| !k.trim().is_empty()),
        }))
    }

    /// The detached signature of `payload` (the commit object without its
    /// `gpgsig` header), made like git makes it.
    pub(crate) fn sign(
        &self,
        payload: &[u8],
        committer: &str,
        temp_dir: &Path,
    ) -> Result<String, CommitError> {
        if self.format == "ssh" {
            self.sign_ssh(payload, temp_dir)
        } else {
            self.sign_gpg(payload, committer)
        }
    }

    fn fail(&self, detail: impl Into<String>) -> CommitError {
        CommitError::SignFailed {
            format: self.format.clone(),
            program: self.program.clone(),
            detail: detail.into(),
        }
    }

    /// `gpg --status-fd=2 -bsau KEY`, payload on stdin, signature on stdout;
    /// success needs `[GNUPG:] SIG_CREATED` on stderr, as git checks.
    fn sign_gpg(&self, payload: &[u8], committer: &str) -> Result<String, CommitError> {
        let key = self.key.clone().unwrap_or_else(|| committer.to_string());
        let output = run_with_stdin(
            Command::new(&self.program).args(["--status-fd=2", "-bsau", &key]),
            payload,
        )
        .map_err(|e| self.fail(e.to_string()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || !stderr.contains("\n[GNUPG:] SIG_CREATED ") {
            return Err(self.fail(with_output(output.status, stderr.as_bytes())));
        }
        String::from_utf8(output.stdout).map_err(|_| self.fail("the signature is not text"))
    }

    /// `ssh-keygen -Y sign -n git -f KEY FILE`, signature read from `FILE.sig`.
    /// A literal key (`ssh-…` or `key::…`) is written to a file and used
    /// through the agent (`-U`), like git.
    fn sign_ssh(&self, payload: &[u8], temp_dir: &Path) -> Result<String, CommitError> {
        let key = self.key.as_deref().ok_or(CommitError::NoSigningKey)?;
        std::fs::create_dir_all(temp_dir).map_err(|source| CommitError::Io {
            path: temp_dir.to_path_buf(),
            source,
        })?;
        let stem = crate::cache::unique_temp_path(temp_dir, "signing");
        let buffer = stem.with_extension("payload");
        let signature = stem.with_extension("payload.sig");
        let literal = key
            .strip_prefix("key::")
            .or_else(|| key.starts_with("ssh-").then_some(key));
        let key_file = match literal {
            Some(text) => {
                let path = stem.with_extension("pub");
                write_file(&path, format!("{text}\n").as_bytes())?;
                Some(path)
            }
            None => None,
        };
        let result = (|| {
            write_file(&buffer, payload)?;
            let mut command = Command::new(&self.program);
            command.args(["-Y", "sign", "-n", "git", "-f"]);
            match &key_file {
                Some(path) => command.arg(path).arg("-U"),
                None => command.arg(expand_home(key)),
            };
            let output = command
                .arg(&buffer)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| self.fail(e.to_string()))?;
            if !output.status.success() {
                return Err(self.fail(with_output(output.status, &output.stderr)));
            }
            let text = std::fs::read_to_string(&signature).map_err(|e| {
                self.fail(format!("no signature in '{}': {e}", signature.display()))
            })?;
            Ok(text)
        })();
        for path in [Some(&buffer), Some(&signature), key_file.as_ref()]
            .into_iter()
            .flatten()
        {
            let _ = std::fs::remove_file(path);
        }
        result
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CommitError> {
    std::fs::write(path, bytes).map_err(|source| CommitError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn run_with_stdin(command: &mut Command, input: &[u8]) -> std::io::Result<std::process::Output> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    // Feed stdin from a thread so a program that writes before reading
    // everything cannot deadlock against us.
    let feeder = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&input);
        }
    });
    let output = child.wait_with_output();
    let _ = feeder.join();
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cleaned_like_git_m() {
        assert_eq!(
            clean_message("\n\nsubject  \n\n\n\nbody\t\n\n"),
            "subject\n\nbody\n"
        );
        assert_eq!(clean_message(" \n\t\n"), "");
    }
}

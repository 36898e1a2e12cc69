//! Submodules as pinned lineage sources: each submodule HEAD pins is read
//! at that commit, fetched into `refs/lineage/<name>/pinned` from its own
//! git dir (or its URL), so history commands read it as a lineage remote.

use std::path::PathBuf;

use super::{FetchedRef, Remote, fetch_error, git, remote_of};
use crate::config::{self, Config};
use crate::history::LINEAGE_REFS;
use crate::repo::{Repo, SubmodulePin, submodule_source_name};

/// The leaf of a submodule's ref: `refs/lineage/<name>/pinned`.
pub const PINNED: &str = "pinned";

/// A lineage source that is a submodule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Submodule {
    /// Its name in `.gitmodules` (the source's name is this with `/` and
    /// other characters a remote name cannot hold replaced by `-`).
    pub name: String,
    /// Its path in the worktree.
    pub path: String,
    /// The commit HEAD pins.
    pub pinned: String,
}

/// A submodule HEAD pins, under its lineage source name, with why it
/// cannot be read (`problem`), if so.
pub(super) struct Source {
    pub(super) name: String,
    pub(super) pin: SubmodulePin,
    pub(super) problem: Option<String>,
}

/// The submodules HEAD pins, as lineage sources: a name that is not a
/// remote name, is a REF keyword, is a declared remote's or another
/// submodule's has a problem and is not read.
pub(super) fn sources(repo: &Repo, config: &Config) -> crate::Result<Vec<Source>> {
    let pins = repo.submodule_pins()?;
    let mut sources: Vec<Source> = Vec::new();
    for pin in pins {
        let name = submodule_source_name(&pin.name);
        let problem = if !config::valid_remote_name(&name) || crate::refspec::is_keyword(&name) {
            Some(format!(
                "submodule '{}' cannot be read as lineage source '{name}': not a usable remote name; declare it as a remote under another name (`git lineage remote add NAME URL`)",
                pin.name
            ))
        } else if config.remotes.contains_key(&name) {
            Some(format!(
                "submodule '{}' is not read: lineage remote '{name}' declared in .lineage/config.yaml has its name",
                pin.name
            ))
        } else if sources.iter().any(|s| s.name == name) {
            Some(format!(
                "submodule '{}' is not read: another submodule is read as lineage source '{name}'",
                pin.name
            ))
        } else {
            None
        };
        sources.push(Source { name, pin, problem });
    }
    Ok(sources)
}

/// The lineage source names of the submodules HEAD pins (those that can
/// be read): names a qualified REF (`NAME:REF`) may use. Empty when HEAD
/// cannot be read.
pub fn names(repo: &Repo, config: &Config) -> Vec<String> {
    sources(repo, config)
        .map(|sources| {
            sources
                .into_iter()
                .filter(|s| s.problem.is_none())
                .map(|s| s.name)
                .collect()
        })
        .unwrap_or_default()
}

/// The `Remote` entry of a submodule source, with `fetched` refs.
pub(super) fn entry(source: &Source, fetched: Vec<FetchedRef>) -> Remote {
    Remote {
        name: source.name.clone(),
        url: source.pin.url.clone().unwrap_or_default(),
        refs: Vec::new(),
        fetched,
        submodule: Some(Submodule {
            name: source.pin.name.clone(),
            path: source.pin.path.clone(),
            pinned: source.pin.commit.clone(),
        }),
        problem: source.problem.clone(),
    }
}

/// Point `refs/lineage/<name>/pinned` at each pinned commit of `sources`
/// named in `names` (all when empty), fetching it when it is not here yet;
/// with `names` empty, also delete the `pinned` refs of submodules HEAD no
/// longer pins. A submodule that cannot be fetched keeps the fetch going:
/// its entry has a `problem` and its stale ref is deleted (lineage is read
/// at the pinned commit or not at all).
pub(super) fn fetch(
    repo: &Repo,
    config: &Config,
    sources: &[Source],
    names: &[String],
    before: &[(String, String)],
) -> crate::Result<Vec<Remote>> {
    let mut out = Vec::new();
    for source in sources {
        if !names.is_empty() && !names.contains(&source.name) {
            continue;
        }
        if source.problem.is_some() {
            out.push(entry(source, Vec::new()));
            continue;
        }
        let local = format!("{LINEAGE_REFS}{}/{PINNED}", source.name);
        let old = before
            .iter()
            .find(|(l, _)| *l == local)
            .map(|(_, id)| id.clone());
        match pin(repo, source, &local) {
            Ok(()) => out.push(entry(
                source,
                vec![FetchedRef {
                    local,
                    old,
                    new: source.pin.commit.clone(),
                }],
            )),
            Err(problem) => {
                if old.is_some() {
                    git(repo, &["update-ref", "-d", &local])
                        .map_err(|message| fetch_error(&source.name, "", message))?;
                }
                let mut failed = entry(source, Vec::new());
                failed.problem = Some(problem);
                out.push(failed);
            }
        }
    }
    if names.is_empty() {
        for (local, _) in before {
            let Some(name) = remote_of(local) else {
                continue;
            };
            let pinned = local.strip_prefix(LINEAGE_REFS).and_then(|rest| {
                rest.strip_prefix(name)
                    .and_then(|r| r.strip_prefix('/'))
                    .map(|leaf| leaf == PINNED)
            }) == Some(true);
            let current = sources
                .iter()
                .any(|s| s.name == name && s.problem.is_none());
            if pinned && !current && !config.remotes.contains_key(name) {
                git(repo, &["update-ref", "-d", local])
                    .map_err(|message| fetch_error(name, "", message))?;
            }
        }
    }
    Ok(out)
}

/// Make `local` point at the commit `source` pins: directly when this
/// repository has it, else fetched from the submodule's git dir, then its
/// URL. Why not, as a warning's text.
fn pin(repo: &Repo, source: &Source, local: &str) -> Result<(), String> {
    let commit = &source.pin.commit;
    let have = git(repo, &["cat-file", "-e", &format!("{commit}^{{commit}}")]).is_ok();
    if have {
        return git(repo, &["update-ref", local, commit]).map(|_| ());
    }
    let mut tried = Vec::new();
    for from in places(repo, &source.pin) {
        let refspec = format!("+{commit}:{local}");
        match git(
            repo,
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--no-recurse-submodules",
                &from,
                &refspec,
            ],
        ) {
            Ok(_) => return Ok(()),
            Err(message) => tried.push(format!(
                "{from}: {}",
                message
                    .lines()
                    .map(|l| l.trim_start_matches("fatal: ").trim())
                    .find(|l| !l.is_empty())
                    .unwrap_or("failed")
            )),
        }
    }
    let short = commit.get(..12).unwrap_or(commit);
    Err(if tried.is_empty() {
        format!(
            "submodule '{}' (path {}): pinned commit {short} is not here and the submodule has neither a git dir nor a usable url; run `git submodule update --init {}`, then `git lineage fetch` again",
            source.pin.name, source.pin.path, source.pin.path
        )
    } else {
        format!(
            "submodule '{}' (path {}): cannot fetch pinned commit {short} ({}); its lineage is not read until it can be: run `git submodule update --init {}` or make its url reachable, then `git lineage fetch` again",
            source.pin.name,
            source.pin.path,
            tried.join("; "),
            source.pin.path
        )
    })
}

/// Where a submodule's commits may be: its initialised git dir
/// (`.git/modules/<name>`, or a `.git` in its worktree), then its URL
/// (`submodule.<name>.url` as `git submodule init` set it, else
/// `.gitmodules`'s, a relative one resolved against the superproject's
/// `origin`, or its worktree when it has none). A URL that could be read
/// as an option is left out.
fn places(repo: &Repo, pin: &SubmodulePin) -> Vec<String> {
    let mut places = Vec::new();
    let modules = common_dir(repo).join("modules").join(&pin.name);
    if modules.is_dir() {
        places.push(modules.to_string_lossy().into_owned());
    }
    let worktree = repo.root().join(&pin.path);
    if places.is_empty() && worktree.join(".git").exists() {
        places.push(worktree.to_string_lossy().into_owned());
    }
    let url = repo
        .config_string(&format!("submodule.{}.url", pin.name))
        .or_else(|| {
            pin.url.as_deref().map(|url| {
                if url.starts_with("./") || url.starts_with("../") {
                    let base = repo
                        .remote_fetch_url("origin")
                        .unwrap_or_else(|| repo.root().to_string_lossy().into_owned());
                    resolve_relative(&base, url)
                } else {
                    url.to_string()
                }
            })
        });
    if let Some(url) = url.filter(|u| !u.starts_with('-') && !u.is_empty()) {
        places.push(url);
    }
    places
}

/// The common git dir (`.git` of the main worktree).
fn common_dir(repo: &Repo) -> PathBuf {
    git(
        repo,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )
    .map(|out| PathBuf::from(out.trim()))
    .unwrap_or_else(|_| repo.git_dir().to_path_buf())
}

/// `relative` (`../data.git`, `./sub`) resolved against `base` as git
/// resolves a submodule URL against the superproject's remote: each
/// `../` drops one trailing component of `base`.
fn resolve_relative(base: &str, relative: &str) -> String {
    let mut base = base.trim_end_matches('/').to_string();
    let mut rest = relative;
    loop {
        if let Some(r) = rest.strip_prefix("./") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("../") {
            rest = r;
            match base.rfind('/') {
                Some(i) => base.truncate(i),
                None => base = ".".into(),
            }
        } else {
            break;
        }
    }
    format!("{base}/{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_against_the_superprojects_remote() {
        assert_eq!(
            resolve_relative("https://host/org/app.git", "../data.git"),
            "https://host/org/data.git"
        );
        assert_eq!(
            resolve_relative("/srv/git/app.git/", "./libs/x"),
            "/srv/git/app.git/libs/x"
        );
        assert_eq!(resolve_relative("../app.git", "../data.git"), "../data.git");
        assert_eq!(resolve_relative("app", "../x.git"), "./x.git");
    }
}

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::query::{Condition, InputMatch, SearchQuery};

use super::{HistoryArgs, print_entries};
use crate::ui::{CommandError, Format, Ui};

/// Find records by kind, name, parameter, metric, input, author and date.
/// Filters combine with AND; the output is like `log`'s.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Records of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Records with this name.
    #[arg(long)]
    pub name: Option<String>,
    /// A parameter condition, KEY OP VALUE: `lr>0.05`, `optimizer.name=adam`
    /// (operators = != < <= > >=; repeatable).
    #[arg(long = "param", value_name = "COND")]
    pub params: Vec<String>,
    /// A metric condition, like `auc>=0.9` (repeatable).
    #[arg(long = "metric", value_name = "COND")]
    pub metrics: Vec<String>,
    /// Records that read this input: a path, blake3:HASH or URI[@version] (repeatable).
    #[arg(long = "input", value_name = "PATH|HASH")]
    pub inputs: Vec<String>,
    /// Part of the name or email of the record's author or committer.
    #[arg(long)]
    pub author: Option<String>,
    /// Recorded at or after DATE (2026-11-24 or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Recorded at or before DATE.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: a table, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_search(ui: &mut Ui, cwd: &Path, args: &SearchArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let conditions = |texts: &[String]| {
        texts
            .iter()
            .map(|t| Condition::parse(t).map_err(CommandError::from))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut inputs = Vec::new();
    for text in &args.inputs {
        inputs.push(input_match(&repo, cwd, text)?);
    }
    let query = SearchQuery {
        kind: args.kind.clone(),
        name: args.name.clone(),
        params: conditions(&args.params)?,
        metrics: conditions(&args.metrics)?,
        inputs,
        author: args.author.clone(),
        since: super::parse_date("--since", args.since.as_deref())?,
        until: super::parse_date("--until", args.until.as_deref())?,
    };
    let history = super::load_history(ui, &repo, args.history.revisions())?;
    let found = git_lineage::query::search(&history.entries, &query);
    print_entries(ui, &found, &history.read_warnings(), args.format)?;
    drop(found);
    super::exit_without_freeing(history);
    Ok(ExitCode::SUCCESS)
}

/// `--input`: `blake3:…` is a hash, a URI is a URI, anything else a path
/// relative to the working directory.
fn input_match(
    repo: &git_lineage::repo::Repo,
    cwd: &Path,
    text: &str,
) -> Result<InputMatch, CommandError> {
    if let Some(hex) = text.strip_prefix("blake3:") {
        return git_lineage::hash::ContentHash::from_hex(hex)
            .map(InputMatch::Hash)
            .ok_or_else(|| {
                git_lineage::Error::InvalidArgument {
                    field: "--input",
                    problem: format!("'{text}' is not blake3: followed by 64 lowercase hex digits"),
                }
                .into()
            });
    }
    if git_lineage::record::is_uri(text) {
        return Ok(InputMatch::Uri(text.to_string()));
    }
    let rel = repo.relative_path(cwd, Path::new(text))?;
    Ok(InputMatch::Path(rel))
}

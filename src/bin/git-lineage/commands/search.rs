use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::query::{Condition, InputMatch, SearchQuery};

use super::{HistoryArgs, print_entries};
use crate::ui::{CommandError, Format, Ui};

/// Find records by kind, name, parameter, metric, input, output, stored
/// profile, author and date.
/// Filters combine with AND; the output is like `log`'s.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Records of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Records with this name, or whose name matches this glob (`sweep-*`).
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
    /// Records that wrote this output: a path, blake3:HASH or URI[@version] (repeatable).
    #[arg(long = "output", value_name = "PATH|HASH")]
    pub outputs: Vec<String>,
    /// Records with an input or output whose data profile is stored
    /// (`record --profile`; docs/drift.md).
    #[arg(long)]
    pub profiled: bool,
    /// Records that produced a registered version of model NAME.
    #[arg(long, value_name = "NAME")]
    pub registered: Option<String>,
    /// Records that produced the version currently in STAGE (of any model,
    /// or of the --registered one).
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// Part of the name or email of the record's author or committer.
    #[arg(long)]
    pub author: Option<String>,
    #[command(flatten)]
    pub dates: super::DateArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub expired: super::ExpiredArgs,
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
        inputs.push(input_match(&repo, cwd, "--input", text)?);
    }
    let mut outputs = Vec::new();
    for text in &args.outputs {
        outputs.push(input_match(&repo, cwd, "--output", text)?);
    }
    let mut query = SearchQuery {
        kind: args.kind.clone(),
        name: super::name_pattern(args.name.as_deref())?,
        params: conditions(&args.params)?,
        metrics: conditions(&args.metrics)?,
        inputs,
        outputs,
        profiled: args.profiled,
        author: args.author.clone(),
        since: super::parse_date("--since", args.dates.since.as_deref())?,
        until: super::parse_date("--until", args.dates.until.as_deref())?,
        commit_date: args.dates.commit_date,
        ids: None,
    };
    let registered = args.registered.is_some() || args.stage.is_some();
    // Only the records an indexed filter selects are read, when a catalog
    // has them.
    let question = git_lineage::catalog::Question::for_search(&query, registered);
    let focused = super::load_focused(ui, &repo, args.history.revisions(), question.as_ref())?;
    let expired =
        super::Expired::of_focused(&repo, &focused, args.history.revisions(), &args.expired)?;
    let history = focused.history;
    if registered {
        let registry = git_lineage::registry::model::Registry::from_history(&history);
        query.ids = Some(registry.producers(args.registered.as_deref(), args.stage.as_deref()));
    }
    let found = git_lineage::query::search(&history.entries, &query);
    print_entries(ui, &found, &history.read_warnings(), args.format, &expired)?;
    drop(found);
    super::exit_without_freeing(history);
    Ok(ExitCode::SUCCESS)
}

/// `--input`/`--output`: `blake3:…` is a hash, a URI is a URI, anything else a path
/// relative to the working directory.
fn input_match(
    repo: &git_lineage::repo::Repo,
    cwd: &Path,
    field: &'static str,
    text: &str,
) -> Result<InputMatch, CommandError> {
    if let Some(hex) = text.strip_prefix("blake3:") {
        return git_lineage::hash::ContentHash::from_hex(hex)
            .map(InputMatch::Hash)
            .ok_or_else(|| {
                git_lineage::Error::InvalidArgument {
                    field,
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

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use git_lineage::capture::{self, RecordRequest, Recorded};
use git_lineage::time::Timestamp;

use crate::ui::{CommandError, Format, Ui};

/// What a step used, made and measured: shared by `record` and `run`.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// The activity: train, process, feature-pipeline, query, evaluate, deploy, …
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// A stable name for the step or model (shared by its repeated runs).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// An input: a file, directory, glob or URI, optionally `role=` first
    /// (`dataset=data/train.csv`, `feature-group=featurestore://claims@v3`).
    #[arg(short = 'i', long = "input", value_name = "[ROLE=]ARTIFACT")]
    pub inputs: Vec<String>,
    /// An output, same forms as --input.
    #[arg(short = 'o', long = "output", value_name = "[ROLE=]ARTIFACT")]
    pub outputs: Vec<String>,
    /// A hyperparameter; numbers and true/false are typed, dots nest (`opt.lr=0.1`).
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// A YAML or JSON file of hyperparameters (applied before -p).
    #[arg(long = "params", value_name = "FILE")]
    pub params_files: Vec<PathBuf>,
    /// A metric, typed like --param.
    #[arg(short = 'm', long = "metric", value_name = "KEY=VALUE")]
    pub metrics: Vec<String>,
    /// A YAML or JSON file of metrics (applied before -m).
    #[arg(long = "metrics", value_name = "FILE")]
    pub metrics_files: Vec<PathBuf>,
    /// The random seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// A lockfile describing the environment (requirements.txt, poetry.lock, …).
    #[arg(long = "env", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// The container image the step ran in (`repo/image@sha256:…`).
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// A source file to pin by its git blob id.
    #[arg(long = "code", value_name = "FILE")]
    pub code_files: Vec<PathBuf>,
    /// An earlier record this one refers to (for example one it corrects);
    /// REMOTE:REF names a record of lineage remote REMOTE (its fetched
    /// history), kept under `imports:` with the remote's name and URL.
    #[arg(long = "ref", value_name = "REF")]
    pub references: Vec<String>,
    /// Where a copy of an input or output is kept: PATH (as given with -i
    /// or -o) = URL, like data/train.csv=s3://bucket/key?versionId=… .
    /// Repeatable; listed by `git lineage where`.
    #[arg(long = "location", value_name = "PATH=URL")]
    pub locations: Vec<String>,
    /// Free text kept with the record.
    #[arg(long)]
    pub note: Option<String>,
    /// Store the data profile of every local CSV, TSV, JSON Lines or Parquet input
    /// and output under .lineage/profiles/, linked from the artifact
    /// (`profile:` globs in .lineage/config.yaml select files without it).
    #[arg(long)]
    pub profile: bool,
    #[command(flatten)]
    pub commit: super::CommitArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

impl StepArgs {
    /// The library request for these arguments.
    pub fn request(&self, cwd: &Path) -> RecordRequest {
        RecordRequest {
            kind: self.kind.clone(),
            name: self.name.clone(),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            params: self.params.clone(),
            params_files: self.params_files.clone(),
            metrics: self.metrics.clone(),
            metrics_files: self.metrics_files.clone(),
            seed: self.seed,
            env_files: self.env_files.clone(),
            image: self.image.clone(),
            code_files: self.code_files.clone(),
            references: self.references.clone(),
            locations: self.locations.clone(),
            note: self.note.clone(),
            profile: self.profile,
            commit: self.commit.commit,
            commit_options: self.commit.options(),
            cwd: cwd.to_path_buf(),
            ..RecordRequest::default()
        }
    }
}

/// Record a finished step: hash its inputs and outputs, pin the code version,
/// parameters, metrics and environment, and write a content-addressed
/// manifest under .lineage/records/. Prints the record id.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// When the step started (RFC 3339, e.g. 2026-11-22T10:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub started: Option<Timestamp>,
    /// When the step ended (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub ended: Option<Timestamp>,
    /// How the step ended, for a step that ran elsewhere (the Python API's
    /// `repo.run`): written as `exit.code`; non-zero records a failed run.
    #[arg(long, value_name = "CODE", allow_negative_numbers = true)]
    pub exit_code: Option<i32>,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

pub fn cmd_record(ui: &mut Ui, cwd: &Path, args: &RecordArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let mut request = args.step.request(cwd);
    request.started = args.started;
    request.ended = args.ended;
    request.exit = args.exit_code.map(|code| git_lineage::record::ExitStatus {
        code: Some(code),
        signal: None,
    });
    let recorded = capture::record(&repo, &request)?;
    print_recorded(ui, &recorded, args.step.format)?;
    Ok(ExitCode::SUCCESS)
}

/// Print a written record: its id (text), or the whole of it (JSON).
pub fn print_recorded(
    ui: &mut Ui,
    recorded: &Recorded,
    format: Format,
) -> Result<(), CommandError> {
    for warning in &recorded.warnings {
        ui.note(format!("warning: {warning}"));
    }
    match format {
        Format::Json => ui.json(recorded)?,
        Format::Text => {
            ui.line(&recorded.id)?;
            match &recorded.commit {
                Some(commit) => ui.note(format!(
                    "recorded {} {} in {} (commit {})",
                    recorded.record.kind,
                    recorded.record.name,
                    recorded.path,
                    git_lineage::render::short_id(commit)
                )),
                None => ui.note(format!(
                    "recorded {} {} in {}",
                    recorded.record.kind, recorded.record.name, recorded.path
                )),
            }
        }
    }
    Ok(())
}

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use git_lineage::emit::{Curl, EmitOptions, EmitReport};
use git_lineage::export::{ExportFormat, ExportOptions};

use crate::ui::{CommandError, Format, Ui};

/// Send OpenLineage events to an OpenLineage HTTP endpoint (Marquez,
/// DataHub, or any receiver of `POST /api/v1/lineage`): the same events
/// `export --format openlineage` writes, one request per record, oldest
/// first. Each accepted event is remembered per endpoint (in
/// `.git/lineage/emit/`), so the next run sends only new records; a run
/// that fails part-way resumes where it stopped. Run ids are derived from
/// record ids, so a receiver sees a resent event as the same run. Requests
/// go through `curl`, with your proxy and TLS settings. See docs/export.md.
#[derive(Debug, Args)]
pub struct EmitArgs {
    /// Send these records and their upstream lineage (any REF, docs/refs.md);
    /// every record when none is given.
    #[arg(value_name = "REF")]
    pub references: Vec<String>,
    /// The receiver's base URL, e.g. `http://localhost:5000` for Marquez.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The path added to the URL (the OpenLineage clients' `endpoint`).
    #[arg(long, value_name = "PATH", default_value = "api/v1/lineage")]
    pub endpoint: String,
    /// Send `Authorization: Bearer <key>`, the key read from the
    /// environment variable VAR (never from the command line).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Read every branch, remote branch and tag, not only HEAD.
    #[arg(long)]
    pub all: bool,
    /// The OpenLineage namespace of this repository (default: its remote
    /// URL, or the worktree as a file:// URI).
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Send each event at most N times before giving up (timeouts, refused
    /// connections, 408, 429 and 5xx answers are retried; other answers are not).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub attempts: u32,
    /// Seconds to wait before the first retry; doubled for each further one (at most 30).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, value_parser = seconds)]
    pub retry_delay: f64,
    /// Seconds one request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = seconds)]
    pub timeout: f64,
    /// Send nothing: list the events that would be sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Forget what this endpoint accepted before and send every event again.
    #[arg(long)]
    pub from_start: bool,
    /// Send even when record files in history cannot be read: their events
    /// are left out and each is named on stderr.
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Output format: text or json (docs/json.md).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A non-negative, finite number of seconds.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && (0.0..=3600.0).contains(&value) => Ok(value),
        _ => Err(format!(
            "'{text}' is not a number of seconds from 0 to 3600"
        )),
    }
}

pub fn cmd_emit(ui: &mut Ui, cwd: &Path, args: &EmitArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    git_lineage::emit::transport::check_url(&args.url).map_err(git_lineage::Error::from)?;
    let url = git_lineage::emit::transport::endpoint_url(&args.url, &args.endpoint);
    let api_key = match &args.api_key_env {
        Some(var) => match std::env::var(var) {
            Ok(key) if !key.trim().is_empty() => Some(key.trim().to_string()),
            _ => {
                return Err(
                    git_lineage::Error::from(git_lineage::emit::EmitError::NoApiKey {
                        var: var.clone(),
                    })
                    .into(),
                );
            }
        },
        None => None,
    };
    let options = EmitOptions {
        export: ExportOptions {
            format: ExportFormat::OpenLineage,
            refs: args.references.clone(),
            revisions: match args.all {
                true => git_lineage::history::Revisions::All,
                false => git_lineage::history::Revisions::Head,
            },
            namespace: args.namespace.clone(),
            cwd: cwd.to_path_buf(),
            allow_incomplete: args.allow_incomplete,
        },
        url,
        attempts: args.attempts,
        backoff: Duration::from_secs_f64(args.retry_delay),
        dry_run: args.dry_run,
        from_start: args.from_start,
    };
    let mut transport = Curl::new(
        "curl",
        Duration::from_secs_f64(args.timeout.max(0.001)),
        api_key.as_deref(),
        &repo.temp_dir(),
    )
    .map_err(git_lineage::Error::from)?;
    if !args.dry_run {
        transport.probe().map_err(git_lineage::Error::from)?;
    }
    let report = git_lineage::emit::emit(&repo, &options, &mut transport, &mut std::thread::sleep)?;
    super::print_read_warnings(ui, &report.warnings);
    match args.format {
        Format::Json => ui.json(&json_report(&report))?,
        Format::Text => print_text(ui, &report)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(ui: &mut Ui, report: &EmitReport) -> Result<(), CommandError> {
    let plural = |n: usize| if n == 1 { "event" } else { "events" };
    if report.dry_run {
        for sent in &report.sent {
            ui.line(format_args!(
                "would send {}  run {}",
                sent.record, sent.run_id
            ))?;
        }
        return ui.line(format_args!(
            "would send {} {} to {} ({} already delivered)",
            report.sent.len(),
            plural(report.sent.len()),
            report.url,
            report.already_delivered
        ));
    }
    let retries: u32 = report
        .sent
        .iter()
        .map(|s| s.attempts.saturating_sub(1))
        .sum();
    let mut line = format!(
        "sent {} {} to {} ({} already delivered",
        report.sent.len(),
        plural(report.sent.len()),
        report.url,
        report.already_delivered
    );
    if retries > 0 {
        line.push_str(&format!(
            ", {retries} {}",
            if retries == 1 { "retry" } else { "retries" }
        ));
    }
    line.push(')');
    ui.line(line)
}

fn json_report(report: &EmitReport) -> serde_json::Value {
    serde_json::json!({
        "url": report.url,
        "namespace": report.namespace,
        "dry_run": report.dry_run,
        "selected": report.selected,
        "already_delivered": report.already_delivered,
        "sent": report.sent.iter().map(|s| serde_json::json!({
            "record": s.record.as_str(),
            "run_id": s.run_id,
            "attempts": s.attempts,
        })).collect::<Vec<_>>(),
        "warnings": report.warnings,
    })
}

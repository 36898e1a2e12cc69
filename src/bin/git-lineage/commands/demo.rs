use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use crate::ui::{CommandError, Format, Ui};

/// Build a small, realistic lineage repository in DIR (insurance-claims
/// fraud model: raw data, feature processing, a training-set query,
/// training and evaluation; then the model registry: register, approve,
/// promote, a second version, roll back), each step recorded and committed
/// with the real commands, then print what was built and how to explore it.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A new or empty directory.
    #[arg(value_name = "DIR")]
    pub dir: std::path::PathBuf,
    /// Build a lineage organisation of four repositories instead (data,
    /// features and two model repos, each pushed to a bare remote in DIR),
    /// joined by `git lineage remote add` and `fetch`, and print the
    /// cross-repository answers (docs/multi-repo.md).
    #[arg(long)]
    pub org: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_demo(ui: &mut Ui, cwd: &Path, args: &DemoArgs) -> Result<ExitCode, CommandError> {
    let dir = cwd.join(&args.dir);
    if args.org {
        let report = crate::demo::build_org(&dir)?;
        match args.format {
            Format::Json => ui.json(&report)?,
            Format::Text => {
                for line in report.summary() {
                    ui.line(line)?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = crate::demo::build(&dir)?;
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => {
            for line in report.summary() {
                ui.line(line)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

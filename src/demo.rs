//! `demo`: build a small, realistic lineage repository.

use std::path::{Path, PathBuf};

/// What the demo built.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    /// The repository directory.
    pub dir: PathBuf,
}

impl DemoReport {
    /// Lines to print.
    pub fn summary(&self) -> Vec<String> {
        vec![self.dir.display().to_string()]
    }
}

/// Build the demo repository in `dir`.
pub fn build(dir: &Path) -> crate::Result<DemoReport> {
    Err(crate::Error::DirectoryNotEmpty(dir.to_path_buf()))
}

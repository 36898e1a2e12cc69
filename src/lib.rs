//! git-lineage: a Git-native, file-based lineage tracker for machine-learning work.
//!
//! A step's inputs, outputs, code, parameters and metrics are written as one
//! content-addressed YAML manifest (a [`record::Record`]) under `.lineage/`; git
//! history of those files is the lineage database. The binary `git-lineage` is a
//! thin layer over this library: every capability is a function here that takes
//! typed options and returns a typed, serialisable result.
//!
//! ```no_run
//! use git_lineage::{capture::RecordRequest, repo::Repo};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let repo = Repo::discover(std::path::Path::new("."))?;
//! let mut request = RecordRequest::new("train", "fraud-model", std::env::current_dir()?);
//! request.inputs.push("dataset=data/train.csv".into());
//! request.params.push("lr=0.1".into());
//! let recorded = git_lineage::capture::record(&repo, &request)?;
//! println!("{}", recorded.id);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod cache;
pub mod capture;
pub mod catalog;
pub mod commit;
pub mod config;
pub mod diff;
pub mod drift;
pub mod emit;
mod error;
pub mod export;
pub mod graph;
pub mod hash;
pub mod history;
pub mod locate;
pub mod params;
pub mod pointer;
pub mod profile;
pub mod query;
pub mod record;
pub mod refspec;
pub mod registry;
pub mod remote;
pub mod render;
pub mod repo;
pub mod retention;
pub mod run;
pub mod status;
pub mod store;
pub mod time;
pub mod verify;
pub mod view;
pub mod yaml;

pub use error::{Error, Hint, Result};

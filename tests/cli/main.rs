//! Integration tests: the real `git-lineage` binary against hermetic
//! temporary git repositories. One test binary, one module per area.

mod common;
mod json_contract;
mod test_architecture;
mod test_bad_input;
mod test_commit;
mod test_concurrency;
mod test_damaged_history;
mod test_demo;
mod test_diff;
mod test_errors;
mod test_export;
mod test_export_openlineage;
mod test_export_prov_intoto;
mod test_feature_lineage;
mod test_fuzz;
mod test_graph;
mod test_hashing;
mod test_help;
mod test_history;
mod test_init;
mod test_kill;
mod test_pyyaml;
mod test_questions_features;
mod test_questions_refs;
mod test_record;
mod test_registry;
mod test_registry_policy;
mod test_run;
mod test_search;
mod test_show;
mod test_signing_hooks;
mod test_snapshots;
mod test_status;
mod test_verify;

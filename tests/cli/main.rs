//! Integration tests: the real `git-lineage` binary against hermetic
//! temporary git repositories. One test binary, one module per area.

mod common;
mod test_record;

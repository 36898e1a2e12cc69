#!/usr/bin/env bash
# The long kill loop of issue 10.2: 240 SIGKILLs of `record --commit` at
# random instants over a 64 MiB input (plus 60 of `record` and 60 of
# `registry register --commit`), then a plain `git commit`, `git fsck
# --strict`, no staged deletion, no stray file, `verify --history` exit 0.
# `cargo test` runs the same test with 40 kills. Seed: GIT_LINEAGE_KILL_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."
GIT_LINEAGE_KILLS="${GIT_LINEAGE_KILLS:-240}" \
  cargo test --locked --test cli -- --exact \
  test_kill::kills_at_any_instant_leave_nothing_or_a_complete_record --nocapture

//! The lineage graph (being written).

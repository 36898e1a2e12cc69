//! Record search (being written).

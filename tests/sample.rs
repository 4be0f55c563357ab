//! Integration tests: sample.

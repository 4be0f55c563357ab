//! Integration tests: code.

//! The one integration-test binary (ripgrep-style): one module per area.

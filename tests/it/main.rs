//! The one integration test binary: the real `backstop` binary in temporary git repositories.

#![expect(dead_code, reason = "each test module uses a different part of the shared fixture")]

mod schema;
mod support;

//! Runs WebAssembly samples on many runtimes, each run in its own worker process, and classifies and
//! measures every result.
//!
//! The data flow: [`manifest`] reads `sample.toml` files; [`cell`] turns a runtime, a sample and a
//! case into worker requests ([`worker`]), which run a [`runtime::Runtime`] backend; [`outcome`]
//! classifies what came back; [`results`] holds the cells and writes them as JSON, Markdown and a
//! terminal table.

pub mod adhoc;
pub mod cell;
pub mod deadline;
pub mod flags;
pub mod gateway;
pub mod http_case;
pub mod journal;
pub mod load;
pub mod lockfile;
pub mod manifest;
pub mod meta;
pub mod native;
pub mod outcome;
pub mod process;
pub mod proposals;
pub mod resident;
pub mod results;
pub mod runtime;
pub mod scheduler;
pub mod stats;
pub mod util;
pub mod versions;
pub mod wagi;
pub mod wasi_testsuite;
pub mod worker;

pub use outcome::Outcome;

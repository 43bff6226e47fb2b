//! What each column measures: its compiler and optimization level, how its deadline and memory cap
//! are kept, its compiled-module cache and its stdio, and what was checked to show that the harness's
//! additions leave the engine's generated code alone. Published under `meta.columns`; the words are
//! each column's registry entry.

use serde::{Deserialize, Serialize};

/// How a column runs code, in words a reader of the results can check against the engine's docs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Configuration {
    /// The engine and how it is reached (embedded crate, command-line tool, container shim).
    pub engine: String,
    /// The code generator or interpreter, and its optimization level.
    pub compiler: String,
    /// How the case's deadline is kept.
    pub deadline: String,
    /// How the case's memory cap is kept.
    pub memory_cap: String,
    /// Where compiled code comes from on a second run.
    pub cache: String,
    /// How the guest's stdin, stdout and stderr are connected.
    pub stdio: String,
    /// What was checked to show that the harness's additions leave the generated code alone, or what
    /// they are known to cost.
    pub checked: String,
}

/// The configuration of a column, or `None` for a name that is not one.
pub fn configuration(name: &str) -> Option<Configuration> {
    let about = super::registry::get(name)?.about;
    Some(Configuration {
        engine: about.engine.into(),
        compiler: about.compiler.into(),
        deadline: about.deadline.into(),
        memory_cap: about.memory_cap.into(),
        cache: about.cache.into(),
        stdio: about.stdio.into(),
        checked: about.checked.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_configuration() {
        for name in super::super::registry::names() {
            let config = configuration(name).unwrap_or_else(|| panic!("`{name}` has none"));
            assert!(!config.engine.is_empty(), "`{name}`");
        }
        assert_eq!(configuration("no-such-column"), None);
    }
}

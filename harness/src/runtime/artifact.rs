//! Telling a WASI 0.2 component from a core module by its header, so that a column given the
//! wrong kind says `unsupported` with the reason instead of failing in the engine's words.

/// The binary format's magic number, shared by modules and components.
const MAGIC: &[u8; 4] = b"\0asm";

/// Whether the bytes are a component (the component model's layer 1 header).
pub fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && &bytes[..4] == MAGIC && bytes[6..8] == [1, 0]
}

/// The `unsupported` ending of a column that runs core modules when it is given a component.
pub fn component_unsupported(column: &str) -> super::Ending {
    super::Ending::Unsupported {
        capability: "component model (WASI 0.2)".into(),
        message: format!(
            "`{column}` runs WASI preview 1 core modules; this is a WASI 0.2 component (the \
             component columns run it)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_tell_components_from_modules() {
        let module = wat::parse_str("(module)").unwrap();
        assert!(!is_component(&module));
        let component = wat::parse_str("(component)").unwrap();
        assert!(is_component(&component));
        assert!(!is_component(b"\0asm"));
        assert!(!is_component(b"not wasm at all"));
    }
}

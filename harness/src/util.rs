//! Small helpers every part of the harness and xtask uses, kept below all of them.

use std::ffi::OsStr;
use std::path::PathBuf;

/// Lowercase hexadecimal, as digests are written in file names and records.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The executable `program` on the `PATH`, as a shell would find it.
pub fn which(program: &str) -> Option<PathBuf> {
    which_in(&std::env::var_os("PATH")?, program)
}

/// The executable `program` in a `PATH`-like list of directories.
pub fn which_in(path: &OsStr, program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn which_finds_executables_only() {
        let dir = std::env::temp_dir().join(format!("harness-which-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tool = dir.join("a-tool");
        let data = dir.join("a-file");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::write(&data, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap();
        let found = (
            which_in(&path, "a-tool"),
            which_in(&path, "a-file"),
            which_in(&path, "absent"),
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, (Some(tool), None, None));
    }
}

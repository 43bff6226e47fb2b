//! Wasm OCI images of the matrix's modules: one layer holding the module at `/<program>` and the
//! directories packaged with the program (an interpreter's library), platform `wasi/wasm` (or
//! `linux/amd64` for a native program), the module as entrypoint: `FROM scratch`, `COPY`,
//! `ENTRYPOINT`. The OCI tar is kept under `target/docker/images/` and loaded into the engine.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::RunSpec;
use crate::util::{hex, which};

/// A loaded image: its name in the engine and its size.
pub struct Image {
    pub name: String,
    pub bytes: u64,
}

impl Image {
    /// The image for this module and the spec's packaged directories, built and loaded unless the
    /// engine has it already.
    pub fn ensure(module: &[u8], spec: &RunSpec, native: bool) -> Result<Image, String> {
        let packaged: Vec<(&Path, &str)> = spec
            .preopens
            .iter()
            .filter(|p| p.packaged)
            .map(|p| (p.host.as_path(), p.guest.as_str()))
            .collect();
        let layer = layer(module, &spec.program, &packaged)?;
        let digest = hex(&Sha256::digest(&layer));
        let stem = spec.program.trim_end_matches(".wasm");
        let name = format!(
            "localhost/wasm-polyglot/{stem}:{}-{}",
            if native { "native" } else { "wasm" },
            &digest[..12]
        );
        if let Some(bytes) = image_size(&name) {
            return Ok(Image { name, bytes });
        }
        let dir = images_dir();
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let tar = dir.join(format!("{}.tar", &digest[..16]));
        if !tar.is_file() {
            write_oci_tar(&tar, &layer, &digest, &name, &spec.program, native)?;
        }
        // Loaded through Docker even for `ctr` columns: the same store, the same image.
        let docker = which("docker").ok_or("no `docker` command to load the image with")?;
        let out = Command::new(docker)
            .arg("load")
            .arg("-i")
            .arg(&tar)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "docker load {}: {}",
                tar.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let bytes = image_size(&name)
            .ok_or_else(|| format!("{name} is not in the engine after loading it"))?;
        Ok(Image { name, bytes })
    }
}

/// `target/docker/images/`, beside the harness binary's target directory.
fn images_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HARNESS_DOCKER_DIR") {
        return PathBuf::from(dir).join("images");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(2).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
        .join("docker")
        .join("images")
}

/// The image's size as Docker reports it, or `None` when the engine does not have it. Docker and
/// containerd share one store, so the `ctr` columns ask Docker too.
fn image_size(name: &str) -> Option<u64> {
    let out = Command::new(which("docker")?)
        .args(["image", "inspect", "--format", "{{.Size}}", name])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The image's one layer, an uncompressed tar written the same way every time (no times, no owners)
/// so that the same program is the same image.
fn layer(module: &[u8], program: &str, packaged: &[(&Path, &str)]) -> Result<Vec<u8>, String> {
    let mut tar = tar::Builder::new(Vec::new());
    let add_file = |tar: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path.trim_start_matches('/'), data)
            .map_err(|e| format!("cannot add {path} to the layer: {e}"))
    };
    add_file(&mut tar, program, 0o755, module)?;
    for (host, guest) in packaged {
        let mut files = Vec::new();
        collect_files(host, &mut files).map_err(|e| format!("{}: {e}", host.display()))?;
        files.sort();
        for file in files {
            let relative = file.strip_prefix(host).unwrap_or(&file);
            let inside = Path::new(guest).join(relative);
            let data = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            add_file(&mut tar, &inside.to_string_lossy(), 0o644, &data)?;
        }
    }
    tar.into_inner()
        .map_err(|e| format!("cannot finish the layer: {e}"))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Writes an OCI image layout tar (with Docker's `manifest.json`, so that `docker load` takes it)
/// with oci-tar-builder.
fn write_oci_tar(
    tar: &Path,
    layer: &[u8],
    digest: &str,
    name: &str,
    program: &str,
    native: bool,
) -> Result<(), String> {
    use oci_spec::image::{Arch, ConfigBuilder, ImageConfigurationBuilder, Os, RootFsBuilder};
    // Two runs of the same program (a probe's default and enabled runs, side by side) may both
    // find no tar and write it at once: each writes under names of its own and renames last.
    static WRITER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = format!(
        "{}-{}",
        std::process::id(),
        WRITER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let layer_path = tar.with_extension(format!("{unique}.layer"));
    std::fs::write(&layer_path, layer).map_err(|e| e.to_string())?;
    let (os, arch) = if native {
        (Os::Linux, Arch::Amd64)
    } else {
        (Os::from("wasi"), Arch::Wasm)
    };
    let config = ConfigBuilder::default()
        .entrypoint(vec![format!("/{program}")])
        .build()
        .map_err(|e| e.to_string())?;
    let image = ImageConfigurationBuilder::default()
        .architecture(arch)
        .os(os)
        .config(config)
        .rootfs(
            RootFsBuilder::default()
                .diff_ids(vec![format!("sha256:{digest}")])
                .build()
                .map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;
    let mut builder = oci_tar_builder::Builder::default();
    builder.add_config(image, name.to_owned());
    builder.add_layer(&layer_path);
    let partial = tar.with_extension(format!("{unique}.partial"));
    let file = std::fs::File::create(&partial).map_err(|e| e.to_string())?;
    let mut writer = std::io::BufWriter::new(file);
    builder
        .build(&mut writer)
        .map_err(|e| format!("oci-tar-builder: {e:#}"))?;
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    let _ = std::fs::remove_file(&layer_path);
    std::fs::rename(&partial, tar).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_program_makes_the_same_layer() {
        let dir = std::env::temp_dir().join(format!("harness-layer-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/lib.py"), "x = 1\n").unwrap();
        let packaged = [(dir.as_path(), "/usr/local/lib")];
        let a = layer(b"\0asm\x01\0\0\0", "p.wasm", &packaged).unwrap();
        let b = layer(b"\0asm\x01\0\0\0", "p.wasm", &packaged).unwrap();
        assert_eq!(a, b);
        let mut archive = tar::Archive::new(a.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["p.wasm", "usr/local/lib/sub/lib.py"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Fingerprints the code a snapshot of the projections depends on: this crate's sources, the
//! events crate's, and the lock file (a new serde or chrono may write otherwise). A snapshot
//! written by a build with another fingerprint is refused, and the log replayed.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [here.join("src"), here.join("../events/src")] {
        println!("cargo:rerun-if-changed={}", dir.display());
        sources(&dir, &mut files);
    }
    let lock = here.join("../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    files.push(lock);
    files.sort();
    let mut hash = Sha256::new();
    for file in &files {
        let name = file.strip_prefix(&here).unwrap_or(file);
        hash.update(name.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(file).unwrap_or_default());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=HOICHO_PROJECTIONS_FINGERPRINT={hex}");
}

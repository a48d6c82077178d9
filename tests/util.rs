//! Helpers shared by the integration tests: running the CLI, generating small datasets, reading
//! CSV outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `vnlink` with `args` (and extra environment variables).
pub fn vnlink_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vnlink"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run vnlink")
}

/// Starts `vnlink` with `args` in the background: stdout discarded, stderr piped.
pub fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start vnlink")
}

/// Runs `vnlink` with `args`.
pub fn vnlink(args: &[&str]) -> Output {
    vnlink_env(args, &[])
}

/// Runs `vnlink` and asserts it exited with `code`; returns stdout.
pub fn vnlink_ok(args: &[&str], code: i32) -> String {
    let out = vnlink(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "vnlink {args:?}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// A path as `&str`.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The committed sample.
pub fn sample() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    (root.join("data/sample/records.csv"), root.join("data/sample/truth.csv"))
}

/// Generates a dataset with `vnlink gen` into `dir`.
pub fn generate(dir: &Path, shape: &str, entities: u32, seed: u32) {
    let (e, sd) = (entities.to_string(), seed.to_string());
    vnlink_ok(&["gen", "--shape", shape, "--entities", &e, "--seed", &sd, "--out", s(dir)], 0);
}

/// Rows of a CSV file without its header.
pub fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// The header of a CSV file.
pub fn header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(str::to_owned).collect()
}

/// `vnlink eval --json` of a prediction.
pub fn eval(truth: &Path, flag: &str, pred: &Path) -> serde_json::Value {
    let out = vnlink(&["eval", "--truth", s(truth), flag, s(pred), "--json"]);
    serde_json::from_slice(&out.stdout).expect("eval json")
}

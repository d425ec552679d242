//! The tokio-to-gort move: `tests/fixtures/renamed` is an application whose Cargo.toml says
//! `tokio = { package = "gort", ... }` and whose code says `#[tokio::main]` / `#[tokio::test]`.
//! This compiles it with rustc against the gort this test was built with (no second cargo build:
//! the macros find `tokio` by reading the fixture's Cargo.toml through `CARGO_MANIFEST_DIR`), then
//! runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/renamed");

/// `target/<profile>/deps`, where this test binary and the gort it links live.
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().expect("deps dir").to_path_buf()
}

/// The most recently built `libgort-*.rlib`: the one this test was just linked against.
fn gort_rlib(deps: &Path) -> PathBuf {
    std::fs::read_dir(deps)
        .expect("read deps dir")
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libgort-") && name.ends_with(".rlib")
        })
        .max_by_key(|entry| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
        })
        .map(|entry| entry.path())
        .expect("libgort rlib next to the test binary")
}

/// The rustc of the toolchain that built this test (next to its cargo), so the rlib matches.
fn rustc() -> PathBuf {
    let beside_cargo = Path::new(env!("CARGO")).with_file_name("rustc");
    if beside_cargo.exists() {
        beside_cargo
    } else {
        PathBuf::from("rustc")
    }
}

/// Runs a command, failing the test if it outlives `limit`.
fn run_bounded(mut command: Command, limit: Duration) -> Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("{command:?} did not finish within {limit:?}");
        }
    }
}

fn compile_fixture(extra: &[&str], out_name: &str) -> PathBuf {
    let deps = deps_dir();
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("renamed-fixture");
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let binary = out_dir.join(out_name);
    let mut rustc = Command::new(rustc());
    rustc
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "bin",
            "--crate-name",
            "gort_renamed_fixture",
        ])
        .args(extra)
        .arg(Path::new(FIXTURE).join("src/main.rs"))
        .arg("--extern")
        .arg(format!("tokio={}", gort_rlib(&deps).display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("-o")
        .arg(&binary)
        // What cargo would set: the macros read this to learn gort's name in the fixture.
        .env("CARGO_MANIFEST_DIR", FIXTURE)
        .env("CARGO_PKG_NAME", "gort-renamed-fixture")
        .env_remove("CARGO_TARGET_TMPDIR");
    let output = run_bounded(rustc, Duration::from_secs(120));
    assert!(
        output.status.success(),
        "the fixture did not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

#[test]
fn renamed_tokio_main_runs_on_gort() {
    let binary = compile_fixture(&[], "renamed");
    let output = run_bounded(Command::new(binary), Duration::from_secs(10));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "renamed multi_thread: 42\nrenamed current_thread: 42\n"
    );
}

#[test]
fn renamed_tokio_test_runs_on_gort() {
    let binary = compile_fixture(&["--test"], "renamed-tests");
    let output = run_bounded(Command::new(binary), Duration::from_secs(10));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("test tests::spawns ... ok"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

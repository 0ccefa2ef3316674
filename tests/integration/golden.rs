//! Golden summary of a tiny scenario: any change to the engine's behaviour shows up here.
//! After an intended change, regenerate with `SPSIM_BLESS=1 cargo test golden` and
//! explain the change in the commit.

use spsim::report::summary_csv;

use crate::{load, repo, run_with_threads};

#[test]
fn tiny_summary_matches_golden_file() {
    let s = load(&repo("tests/data/tiny.toml"));
    let got = summary_csv(&run_with_threads(&s, 2).summary);
    let path = repo("tests/golden/tiny_summary.csv");
    if std::env::var_os("SPSIM_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read(&path).expect("golden file exists (SPSIM_BLESS=1 to create)");
    assert!(got == want, "summary differs from {}:\n--- got ---\n{}", path.display(), String::from_utf8_lossy(&got));
}

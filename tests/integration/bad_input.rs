//! Every kind of bad input gives a clear error (file:line:column where there is one, the
//! key, what is allowed), exit code 2, and writes no output folder.

use std::path::Path;

use crate::spsim;

const REGION: &str = "\n[[region]]\nname = \"a\"\n";

/// Write `files` into a fresh folder, run `spsim run` on the first, and check the
/// failure. Returns stderr.
fn fails(files: &[(&str, &str)], expect: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let scenario = dir.path().join(files[0].0);
    let out = dir.path().join("out");
    let o = spsim(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    for e in expect {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    assert!(!out.exists(), "an output folder was written");
    assert_no_temp_folders(dir.path());
    // `validate` reports the same problem with the same exit code.
    let v = spsim(&["validate", scenario.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2));
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn assert_no_temp_folders(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp-"), "temporary folder left behind: {name}");
    }
}

#[test]
fn syntax_error_points_at_line_and_column() {
    fails(&[("s.toml", "[run]\nyears = = 3\n")], &["s.toml:2:", "TOML syntax error"]);
}

#[test]
fn unknown_key_lists_allowed_keys() {
    let text = format!("[policy]\ncaseload_targt = 200\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:2:1", "`policy.caseload_targt`", "unknown key", "caseload_target_per_year"]);
}

#[test]
fn unknown_top_level_table_is_rejected() {
    let text = format!("[polcy]\nx = 1\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:1:", "unknown top-level key", "policy"]);
}

#[test]
fn wrong_type_names_expected_type() {
    let text = format!("[policy]\nmax_sessions = \"ten\"\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:2:16", "`policy.max_sessions`", "expected a whole number, found a string"]);
}

#[test]
fn probability_above_one_is_out_of_range() {
    let text = format!("[funding]\nlw_renewal_probability = 1.5\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:2:26", "`funding.lw_renewal_probability`", "allowed: 0 to 1"]);
}

#[test]
fn nan_is_rejected() {
    let text = format!("[policy]\nsupervision_quality = nan\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:2:", "NaN", "out of range"]);
}

#[test]
fn negative_population_is_rejected() {
    fails(
        &[("s.toml", "[[region]]\nname = \"a\"\npopulation = -5\n")],
        &["s.toml:3:14", "`region[1].population`", "-5", "out of range"],
    );
}

#[test]
fn zero_replications_is_rejected() {
    let text = format!("[run]\nreplications = 0\n{REGION}");
    fails(&[("s.toml", &text)], &["s.toml:2:16", "`run.replications`", "allowed: 1 to 100000"]);
}

#[test]
fn share_above_one_is_rejected() {
    let text = format!("[policy]\ncommunity_time_share = 1.2\n{REGION}");
    fails(&[("s.toml", &text)], &["`policy.community_time_share`", "allowed: 0 to 0.9"]);
}

#[test]
fn unknown_enum_value_lists_choices() {
    fails(
        &[("s.toml", "[[region]]\nname = \"a\"\ndeprivation = \"very high\"\n")],
        &["s.toml:3:15", "`region[1].deprivation`", "\"very high\" is not allowed", "\"low\" | \"medium\" | \"high\""],
    );
}

#[test]
fn missing_extends_target_points_at_extends() {
    fails(
        &[("s.toml", "extends = \"nowhere.toml\"\n")],
        &["s.toml:1:11", "`extends`", "nowhere.toml", "relative to the file"],
    );
}

#[test]
fn extends_cycle_is_reported() {
    fails(
        &[("a.toml", "extends = \"b.toml\"\n"), ("b.toml", "extends = \"a.toml\"\n")],
        &["`extends` cycle", "a.toml -> b.toml -> a.toml"],
    );
}

#[test]
fn scenario_without_region_is_rejected() {
    fails(&[("s.toml", "[run]\nyears = 1\n")], &["s.toml", "defines no region", "[[region]]"]);
}

#[test]
fn duplicate_region_names_are_rejected() {
    fails(&[("s.toml", "[[region]]\nname = \"a\"\n[[region]]\nname = \"a\"\n")], &["`region[2].name`", "used twice"]);
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text = "[run]\nreplications = 0\n[policy]\nmax_sessions = -1\n[[region]]\ndeprivation = \"x\"\n";
    let stderr = fails(&[("s.toml", text)], &["run.replications", "policy.max_sessions", "region[1].deprivation"]);
    assert!(stderr.contains("3 errors in scenario"), "{stderr}");
}

#[test]
fn errors_in_an_extended_file_name_that_file() {
    fails(
        &[("child.toml", "extends = \"parent.toml\"\n"), ("parent.toml", "[policy]\nmax_sessions = 0\n[[region]]\n")],
        &["parent.toml:2:16", "`policy.max_sessions`"],
    );
}

#[test]
fn missing_scenario_file_is_a_clear_error() {
    let o = spsim(&["run", "no/such/file.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read scenario file no/such/file.toml"));
}

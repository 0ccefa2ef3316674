//! A scenario-parser fuzz target: random scenario text (real keys with values of every
//! TOML type, unknown keys and tables, region lists, sweep tables, and raw TOML-like
//! noise) must never panic the loader, and every text it accepts must resolve to a
//! scenario whose `resolved_toml` loads back to the same parameters and whose work
//! estimate is finite. It runs for `SPSIM_FUZZ_SECONDS` (default 3) seconds, so CI can
//! give it longer; a failing input is printed in full.

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use spsim::params::spec::ParamTable;
use spsim::params::{Behaviour, Funding, Policy, RegionSpec, RunParams};

fn keys<T: ParamTable>() -> Vec<String> {
    T::specs().iter().map(|s| s.key.to_string()).collect()
}

/// A TOML value of any type, often near or beyond a parameter's limits.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-2.0f64..2.0).prop_map(|x| format!("{x}")),
        3 => (0u32..200).prop_map(|x| x.to_string()),
        1 => any::<i64>().prop_map(|x| x.to_string()),
        1 => Just("18446744073709551616".to_string()),
        1 => prop::sample::select(vec!["nan", "inf", "-inf", "1e308", "-0.0", "0x10", "1_000"]).prop_map(String::from),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        2 => prop::sample::select(vec!["low", "medium", "high", "pcn", "vcse", "grid", "lhs", "", "../x", "é"])
            .prop_map(|s| format!("{s:?}")),
        1 => Just("1979-05-27".to_string()),
        1 => Just("[1, 2.5, \"x\"]".to_string()),
        1 => Just("{ lower = 0.1, upper = 0.9 }".to_string()),
        1 => Just("{ first = 1, step = 0, last = 3 }".to_string()),
    ]
}

/// A value the key accepts: inside its range, one of its choices, or a boolean.
fn valid_value(spec: &spsim::params::spec::ParamSpec) -> BoxedStrategy<String> {
    use spsim::params::spec::RawValue;
    if !spec.choices.is_empty() {
        return prop::sample::select(spec.choices.to_vec()).prop_map(|c| format!("{c:?}")).boxed();
    }
    let whole = matches!(spec.default, RawValue::Int(_));
    match (&spec.default, spec.range) {
        (RawValue::Bool(_), _) => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        (RawValue::Str(_), _) => "[a-z][a-z0-9_-]{0,10}".prop_map(|s| format!("{s:?}")).boxed(),
        (_, Some((lo, hi))) => (0.0f64..=1.0)
            .prop_map(move |u| {
                let x = lo + u * (hi - lo).min(1e6);
                if whole { format!("{}", x.round() as i64) } else { format!("{x}") }
            })
            .boxed(),
        _ => (0u32..1000).prop_map(|x| x.to_string()).boxed(),
    }
}

fn table<T: ParamTable>(name: &'static str) -> impl Strategy<Value = String> {
    let specs = T::specs();
    let entry = prop_oneof![
        30 => prop::sample::select(specs.clone()).prop_flat_map(|s| (Just(s.key.to_string()), valid_value(&s))),
        1 => (prop::sample::select(keys::<T>()), value()),
        1 => ("[a-z_]{1,12}".prop_map(String::from), value()),
    ];
    prop::collection::vec(entry, 0..6).prop_map(move |kv| {
        let mut t = format!("[{name}]\n");
        for (k, v) in kv {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t
    })
}

fn sweep() -> impl Strategy<Value = String> {
    let design = prop::sample::select(vec!["grid", "lhs", "sobol", "morris", "other"]);
    let key = prop::sample::select(vec![
        "policy.supervision_quality",
        "policy.max_sessions",
        "region.population",
        "region[1].lw_posts",
        "region[9].lw_posts",
        "run.seed",
        "run.years",
        "behaviour.burnout_rate",
        "nope.key",
    ]);
    (design, 0u32..40, prop::collection::vec((key, value()), 0..4)).prop_map(|(d, points, params)| {
        let mut t = format!("[sweep]\ndesign = \"{d}\"\npoints = {points}\n[sweep.parameters]\n");
        for (k, v) in params {
            t.push_str(&format!("\"{k}\" = {v}\n"));
        }
        t
    })
}

/// A `[calibration]` table: settings in and out of range, parameters of every kind
/// (calibratable, text-valued, unknown) with ranges and scales, targets with metrics
/// known and unknown, values, sds, ranges, uses and scenarios (mostly missing).
fn calibration() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "behaviour.burnout_rate",
        "behaviour.readiness_growth",
        "policy.max_sessions",
        "region.deprivation",
        "nope.key",
    ]);
    let metric = prop::sample::select(vec!["uptake_rate", "lw_burnout_mean", "nope_metric", ""]);
    let form = prop::sample::select(vec!["sd = 0.03", "range = [0.7, 0.9]", "sd = 0", "range = [0.9, 0.7]", ""]);
    let extra = prop::sample::select(vec![
        "",
        "use = \"validate\"",
        "use = \"x\"",
        "scenario = \"none.toml\"",
        "discrepancy_sd = -1",
    ]);
    let param = (key, value(), value(), prop::sample::select(vec!["", ", scale = \"log\"", ", scale = 3"]))
        .prop_map(|(k, lo, hi, sc)| format!("\"{k}\" = {{ lower = {lo}, upper = {hi}{sc} }}\n"));
    let target = (metric, value(), form, extra).prop_map(|(m, v, f, x)| {
        format!("[[calibration.target]]\nmetric = \"{m}\"\nvalue = {v}\n{f}\nsource = \"s\"\n{x}\n")
    });
    (0i64..60, -5i64..2000, value(), prop::collection::vec(param, 0..3), prop::collection::vec(target, 0..4)).prop_map(
        |(waves, points, cutoff, params, targets)| {
            let mut t = format!("[calibration]\nwaves = {waves}\npoints = {points}\ncutoff = {cutoff}\n");
            t.push_str(&targets.concat());
            t.push_str("[calibration.parameters]\n");
            t.push_str(&params.concat());
            t
        },
    )
}

/// One to three `[[change]]` tables, with weeks in and out of the run and keys of every
/// kind (changeable, fixed, unknown).
fn change() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "policy.caseload_target_per_year",
        "policy.supervision_quality",
        "funding.lw_renewal_probability",
        "behaviour.burnout_rate",
        "region.population",
        "\"region[1].statutory_pressure\"",
        "region.count",
        "run.years",
        "policy.nope",
    ]);
    let one = (-2i64..600, prop::collection::vec((key, value()), 0..3)).prop_map(|(week, kv)| {
        let mut t = format!("[[change]]\nweek = {week}\n");
        for (k, v) in kv {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t
    });
    prop::collection::vec(one, 1..3).prop_map(|v| v.concat())
}

fn scenario_text() -> impl Strategy<Value = String> {
    let structured = (
        table::<RunParams>("run"),
        table::<Policy>("policy"),
        table::<Funding>("funding"),
        table::<Behaviour>("behaviour"),
        prop::collection::vec(table::<RegionSpec>("[region]"), 0..4),
        prop::option::weighted(0.2, sweep()),
        prop::option::weighted(0.05, Just("[polcy]\nx = 1\n".to_string())),
        prop::option::weighted(0.2, change()),
        prop::option::weighted(0.2, calibration()),
    )
        .prop_map(|(r, p, f, b, regions, sw, junk, ch, cal)| {
            let mut t = String::new();
            for part in [r, p, f, b] {
                t.push_str(&part);
            }
            for reg in regions {
                t.push_str(&reg);
            }
            t.push_str(&sw.unwrap_or_default());
            t.push_str(&junk.unwrap_or_default());
            t.push_str(&ch.unwrap_or_default());
            t.push_str(&cal.unwrap_or_default());
            t
        });
    let noise = "[\\[\\]a-z_=.\"{},0-9 \n#-]{0,200}".prop_map(String::from);
    prop_oneof![8 => structured, 2 => noise]
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let name = Path::new("fuzz.toml");
    let Ok(s) = spsim::scenario::from_text(name, text) else { return Ok(()) };
    let again = spsim::scenario::from_text(name, &s.resolved_toml())
        .map_err(|e| TestCaseError::fail(format!("resolved scenario does not load: {e}")))?;
    prop_assert_eq!(&again.run, &s.run);
    prop_assert_eq!(&again.policy, &s.policy);
    prop_assert_eq!(&again.funding, &s.funding);
    prop_assert_eq!(&again.behaviour, &s.behaviour);
    prop_assert_eq!(&again.regions, &s.regions);
    prop_assert_eq!(&again.changes, &s.changes);
    if let Some(c) = &s.calibration {
        // An accepted calibration table is one spsim can run: ranges ordered, uncertainties
        // positive, at least one fitted target.
        prop_assert!(c.parameters.iter().all(|p| p.lower < p.upper));
        prop_assert!(c.targets.iter().all(|t| t.sd > 0.0 && t.discrepancy_sd >= 0.0));
        prop_assert!(!c.fit_targets().is_empty());
    }
    let e = spsim::budget::estimate_run(&s, 4);
    prop_assert!(e.bytes > 0 && e.patient_weeks.is_finite());
    Ok(())
}

#[test]
fn the_scenario_parser_never_panics_and_accepted_text_round_trips() {
    let seconds: u64 = std::env::var("SPSIM_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runner = TestRunner::new(Config::default());
    let strategy = scenario_text();
    let (mut cases, mut accepted) = (0u64, 0u64);
    while Instant::now() < deadline {
        let text = strategy.new_tree(&mut runner).expect("a case").current();
        let outcome = std::panic::catch_unwind(|| check(&text));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{e}\n--- input:\n{text}"),
            Err(_) => panic!("the loader panicked\n--- input:\n{text}"),
        }
        cases += 1;
        accepted += u64::from(spsim::scenario::from_text(Path::new("fuzz.toml"), &text).is_ok());
    }
    assert!(cases > 100, "only {cases} cases in {seconds} s");
    assert!(accepted > 0, "no generated scenario was valid ({cases} cases): the generator is too wild");
    eprintln!("fuzz: {cases} scenario texts in {seconds} s, {accepted} valid");
}

/// Random valid settings of every policy and behaviour key (and a small PCN): every
/// summary metric of the run is finite and in its quantity's range (shares in [0, 1],
/// counts at least 0). Runs a fixed number of cases, each a short run.
#[test]
fn every_valid_scenario_gives_finite_metrics_in_their_range() {
    let settings = (
        prop::collection::vec(
            prop::sample::select(Policy::specs()).prop_flat_map(|s| (Just(s.key.to_string()), valid_value(&s))),
            0..6,
        ),
        prop::collection::vec(
            prop::sample::select(Behaviour::specs()).prop_flat_map(|s| (Just(s.key.to_string()), valid_value(&s))),
            0..10,
        ),
        prop::sample::select(vec!["low", "medium", "high"]),
        0u32..4,
    );
    let mut runner = TestRunner::new(Config { cases: 40, ..Config::default() });
    let (mut ran, mut tried) = (0u32, 0u32);
    while tried < 200 && ran < 40 {
        tried += 1;
        let (policy, behaviour, deprivation, posts) = settings.new_tree(&mut runner).expect("a case").current();
        let mut text = format!(
            "[run]\nyears = 0.5\nwarmup_weeks = 13\nreplications = 1\n[[region]]\nname = \"a\"\npopulation = 20000\n\
             deprivation = \"{deprivation}\"\nlw_posts = {posts}\nvcse_orgs = 6\n[policy]\n"
        );
        for (k, v) in &policy {
            text.push_str(&format!("{k} = {v}\n"));
        }
        text.push_str("[behaviour]\n");
        for (k, v) in &behaviour {
            text.push_str(&format!("{k} = {v}\n"));
        }
        // Rules between keys may refuse a combination; only valid scenarios count.
        let Ok(s) = spsim::scenario::from_text(Path::new("valid.toml"), &text) else { continue };
        if spsim::budget::estimate_run(&s, 1).patient_weeks > 5e6 {
            continue; // keep each case short
        }
        ran += 1;
        let r = spsim::run::run_scenario(&s, &|_| {});
        for m in &r.summary {
            let (lo, hi) = spsim::ensemble::bounds(m.name);
            assert!(
                m.mean.is_finite() && m.mean >= lo - 1e-9 && m.mean <= hi + 1e-9,
                "{} = {} outside {lo}..{hi}\n--- scenario:\n{text}",
                m.name,
                m.mean
            );
        }
    }
    assert!(ran >= 20, "only {ran} of {tried} generated scenarios were valid and small");
    eprintln!("valid scenarios: {ran} run of {tried} generated");
}

/// Design files are read back from other tools and from hand edits: random text (numbers,
/// separators of every kind including multi-byte spaces, headers, comments, noise) never
/// panics the reader, and what it accepts has one finite value per swept key per row.
#[test]
fn the_design_file_reader_never_panics_and_accepts_only_whole_finite_rows() {
    let keys = vec!["policy.supervision_quality".to_string(), "policy.peer_support".to_string()];
    let token = prop_oneof![
        4 => (-1.0f64..2.0).prop_map(|x| format!("{x}")),
        1 => prop::sample::select(vec![
            "nan", "inf", "1e400", "-0", "x", "policy.peer_support", "policy.supervision_quality", "policy.nope",
            "#", "é", "\u{a0}", "\u{3000}", ",", ",,", "\t", "\r",
        ])
        .prop_map(String::from),
    ];
    let line = prop::collection::vec((token, prop::sample::select(vec![" ", ",", "\t", "\u{a0}", ", "])), 0..5)
        .prop_map(|v| v.into_iter().map(|(t, s)| format!("{t}{s}")).collect::<String>());
    let file = prop::collection::vec(line, 0..6).prop_map(|l| l.join("\n"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.txt");
    let mut runner = TestRunner::new(Config::default());
    let (mut cases, mut accepted) = (0u32, 0u32);
    while cases < 3000 {
        let text = file.new_tree(&mut runner).expect("a case").current();
        std::fs::write(&path, &text).unwrap();
        let outcome = std::panic::catch_unwind(|| spsim::scenario::design_file::read(&path, &keys));
        match outcome {
            Err(_) => panic!("the design reader panicked on:\n{text:?}"),
            Ok(Ok(d)) => {
                accepted += 1;
                assert!(!d.rows.is_empty() && d.rows.len() == d.lines.len(), "{text:?}");
                assert!(d.rows.iter().all(|r| r.len() == 2 && r.iter().all(|x| x.is_finite())), "{text:?}");
            }
            Ok(Err(_)) => {}
        }
        cases += 1;
    }
    assert!(accepted > 0, "no generated design file was valid: the generator is too wild");
}

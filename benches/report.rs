//! Report generation: `report.html` of `scenarios/baseline.toml` (20 replications, 5
//! reported years) from the bytes of its files — parsing weekly.csv, bands, every plot
//! and table — and of a two-scenario comparison's files. Budget: well under 1 s each.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

use spsim::report::{self, html};
use spsim::run::run_scenario;
use spsim::scenario;

fn reports(c: &mut Criterion) {
    let s = scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")).expect("loads");
    let result = run_scenario(&s, &|_| {});
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("summary.csv", report::summary_csv(&result.summary)),
        ("weekly.csv", report::weekly_csv(&s, &result)),
        ("mechanisms.csv", report::mechanisms_csv(&result)),
        ("manifest.json", report::manifest_json(&s, &result)),
    ];
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("baseline_run", |b| b.iter(|| black_box(html::report_of_files(black_box(&files)).unwrap())));
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);

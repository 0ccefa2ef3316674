//! Engine throughput: one simulated year of the baseline PCN and of a 100-PCN scenario,
//! reported as patient-weeks per second (patients on the pathway summed over weeks).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use spsim::run::run_replication;
use spsim::scenario::{self, Scenario};

fn one_year(path: &str, edit: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut s = scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("scenario loads");
    s.run.years = 1.0;
    s.run.warmup_weeks = 0;
    s.run.replications = 1;
    edit(&mut s);
    s
}

fn bench_year(c: &mut Criterion, name: &str, s: &Scenario) {
    let patient_weeks = run_replication(s, 0, &|_| {}).patient_weeks;
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(patient_weeks));
    group.bench_function("one_year", |b| b.iter(|| black_box(run_replication(black_box(s), 0, &|_| {}))));
    group.finish();
}

fn engine(c: &mut Criterion) {
    let baseline = one_year("scenarios/baseline.toml", |_| {});
    bench_year(c, "baseline", &baseline);
    let pcn100 = one_year("scenarios/baseline.toml", |s| s.regions[0].count = 100);
    bench_year(c, "pcn100", &pcn100);
}

criterion_group!(benches, engine);
criterion_main!(benches);

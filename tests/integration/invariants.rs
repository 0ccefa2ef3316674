//! Invariants that hold for any seed and policy: patients are conserved across pathway
//! states, stocks are never negative, rates are bounded.

use proptest::prelude::*;

use crate::{load, repo, run_with_threads};

fn conserved(seed: u64, holding: bool, tapering: bool, rereferral: bool, max_sessions: u32) {
    let mut s = load(&repo("tests/data/tiny.toml"));
    s.run.seed = seed;
    s.run.replications = 1;
    s.run.warmup_weeks = 0;
    s.policy.holding_allowed = holding;
    s.policy.tapering = tapering;
    s.policy.rereferral_allowed = rereferral;
    s.policy.max_sessions = max_sessions;
    let r = run_with_threads(&s, 2);
    let archetypes = s.regions.len();
    let weekly = &r.replications[0].weekly;
    for a in 0..archetypes {
        let mut stock_prev = 0.0;
        for w in weekly.iter().skip(a).step_by(archetypes) {
            // Patients held on a VCSE waiting list are in both `held` and `vcse_waiting`.
            assert!(w.vcse_waiting_held <= w.vcse_waiting && w.vcse_waiting_held <= w.held);
            let stock = w.waiting + w.engaged + w.held + w.vcse_waiting - w.vcse_waiting_held + w.tapering;
            let inflow = w.accepted + w.rereferred;
            let outflow =
                w.dropped_waiting + w.dna_lost + w.disengaged + w.drifted + w.vcse_queue_dropped + w.discharged;
            assert_eq!(stock, stock_prev + inflow - outflow, "patients not conserved");
            assert!(w.referrals <= w.presented && w.accepted <= w.referrals);
            // Nobody takes a VCSE place beyond capacity: the rest wait on its list (R18).
            assert!(w.vcse_users <= w.vcse_capacity);
            // Journeys partition the episodes that ended.
            assert!(
                w.journey_connected_directly + w.journey_held_then_connected + w.journey_held_unconnected
                    <= w.episodes_ended
            );
            assert!(w.lw_in_post + w.lw_vacant == w.lw_posts);
            stock_prev = stock;
        }
    }
    for m in &r.summary {
        if m.name.ends_with("_rate") || m.name.ends_with("_share") {
            assert!((0.0..=1.0).contains(&m.mean), "{} = {}", m.name, m.mean);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn patients_are_conserved(seed in 0u64..1_000_000, holding: bool, tapering: bool, rereferral: bool, max_sessions in 1u32..20) {
        conserved(seed, holding, tapering, rereferral, max_sessions);
    }
}

#[test]
fn shares_stay_in_0_1_and_counts_at_least_0_in_extreme_valid_scenarios() {
    // Scenarios at the edges of what is valid: almost no link-worker hours (the waiting
    // list only grows), a huge target, no VCSE sector, every patient complex.
    let base = "[run]\nyears = 1\nwarmup_weeks = 26\nreplications = 2\n[[region]]\nname = \"a\"\npopulation = 40000\n";
    for extra in [
        "[policy]\nlw_hours_per_week = 2\n",
        "[policy]\ncaseload_target_per_year = 2000\n",
        "[[region]]\nname = \"b\"\npopulation = 40000\nvcse_orgs = 0\ndeprivation = \"high\"\n",
        "[behaviour]\ncomplexity_mean = 0.95\nnew_episode_share = 0.2\n",
    ] {
        let s = spsim::scenario::from_text(std::path::Path::new("x.toml"), &format!("{base}{extra}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let r = crate::run_with_threads(&s, 2);
        for m in &r.summary {
            let (lo, hi) = spsim::ensemble::bounds(m.name);
            assert!(
                m.mean.is_finite() && m.mean >= lo - 1e-12 && m.mean <= hi + 1e-12,
                "{extra:?}: {} = {} outside {lo}..{hi}",
                m.name,
                m.mean
            );
        }
    }
}

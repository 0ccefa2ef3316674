//! Experimental designs in the unit hypercube. Each returns a row-major matrix
//! (`rows × dims`) of values in [0, 1]; [`super::Sweep`] maps them onto parameter values.
//!
//! - [`grid_indices`]: Cartesian product, last factor fastest.
//! - [`lhs`]: Latin hypercube (McKay et al. 1979), one point in each of `n` strata per
//!   factor.
//! - [`saltelli`]: Saltelli's scheme (Saltelli et al. 2010) on the Sobol' sequence, without
//!   second-order rows: for each base sample i the rows A_i, AB_i^(1..d), B_i — the same
//!   layout as SALib's `sobol.sample(problem, N, calc_second_order=False)`.
//! - [`morris`]: Morris (1991) one-at-a-time trajectories on a `levels`-level grid with
//!   step Δ = levels / (2 (levels − 1)).

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use super::sobol_seq::SobolSeq;

/// Stream numbers of the design generators (the design seed is the key).
const LHS_STREAM: u64 = 1;
const MORRIS_STREAM: u64 = 2;

fn design_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Every combination of level indices, last factor fastest.
pub fn grid_indices(sizes: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = sizes.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; sizes.len()];
    for _ in 0..total {
        out.push(idx.clone());
        for d in (0..sizes.len()).rev() {
            idx[d] += 1;
            if idx[d] < sizes[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

/// Latin hypercube of `n` points in `dims` dimensions: in every dimension each stratum
/// `[k/n, (k+1)/n)` holds exactly one point, placed uniformly within it.
pub fn lhs(n: usize, dims: usize, seed: u64) -> Vec<f64> {
    let mut rng = design_rng(seed, LHS_STREAM);
    let mut out = vec![0.0; n * dims];
    let mut perm: Vec<usize> = Vec::with_capacity(n);
    for d in 0..dims {
        perm.clear();
        perm.extend(0..n);
        // Fisher–Yates shuffle.
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
        for (i, &stratum) in perm.iter().enumerate() {
            let u: f64 = rng.random();
            out[i * dims + d] = (stratum as f64 + u) / n as f64;
        }
    }
    out
}

/// Saltelli's sampling scheme for first-order and total Sobol' indices:
/// `n (dims + 2)` rows from the first `n` points of the `2·dims`-dimensional Sobol'
/// sequence (A = first half of the columns, B = second half).
pub fn saltelli(n: usize, dims: usize) -> Vec<f64> {
    let mut seq = SobolSeq::new(2 * dims);
    let mut base = vec![0.0; 2 * dims];
    let mut out = Vec::with_capacity(n * (dims + 2) * dims);
    for _ in 0..n {
        seq.next_point(&mut base);
        let (a, b) = base.split_at(dims);
        out.extend_from_slice(a);
        for k in 0..dims {
            out.extend((0..dims).map(|j| if j == k { b[j] } else { a[j] }));
        }
        out.extend_from_slice(b);
    }
    out
}

/// The Morris step, in unit scale, for a grid of `levels` levels.
pub fn morris_delta(levels: u32) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `trajectories` Morris trajectories of `dims + 1` rows each. Each factor starts on a
/// random grid level and moves once, by +Δ or −Δ (whichever stays in [0, 1]), in a
/// random order. `levels` must be even and at least 2.
pub fn morris(trajectories: usize, dims: usize, levels: u32, seed: u64) -> Vec<f64> {
    assert!(levels >= 2 && levels.is_multiple_of(2), "Morris levels must be even");
    let mut rng = design_rng(seed, MORRIS_STREAM);
    let step = 1.0 / (levels as f64 - 1.0);
    let delta = morris_delta(levels);
    let mut out = Vec::with_capacity(trajectories * (dims + 1) * dims);
    let mut x = vec![0.0; dims];
    let mut dir = vec![0.0; dims];
    let mut order: Vec<usize> = Vec::with_capacity(dims);
    for _ in 0..trajectories {
        for j in 0..dims {
            let level = rng.random_range(0..levels);
            x[j] = level as f64 * step;
            dir[j] = if level < levels / 2 { delta } else { -delta };
        }
        order.clear();
        order.extend(0..dims);
        for i in (1..dims).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        out.extend_from_slice(&x);
        for &j in &order {
            x[j] = (x[j] + dir[j]).clamp(0.0, 1.0);
            out.extend_from_slice(&x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_runs_the_last_factor_fastest() {
        let g = grid_indices(&[2, 3]);
        assert_eq!(g, vec![vec![0, 0], vec![0, 1], vec![0, 2], vec![1, 0], vec![1, 1], vec![1, 2]]);
    }

    #[test]
    fn lhs_puts_one_point_in_every_stratum_of_every_factor() {
        let (n, d) = (50, 3);
        let x = lhs(n, d, 7);
        for j in 0..d {
            let mut strata: Vec<usize> = (0..n).map(|i| (x[i * d + j] * n as f64) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
        assert_ne!(x, lhs(n, d, 8), "the seed changes the design");
        assert_eq!(x, lhs(n, d, 7), "the same seed gives the same design");
    }

    #[test]
    fn saltelli_rows_follow_the_a_ab_b_layout() {
        let (n, d) = (4, 3);
        let x = saltelli(n, d);
        assert_eq!(x.len(), n * (d + 2) * d);
        for i in 0..n {
            let row = |r: usize| &x[(i * (d + 2) + r) * d..(i * (d + 2) + r + 1) * d];
            let (a, b) = (row(0), row(d + 1));
            for k in 0..d {
                let ab = row(k + 1);
                for j in 0..d {
                    assert_eq!(ab[j], if j == k { b[j] } else { a[j] });
                }
            }
        }
    }

    #[test]
    fn morris_trajectories_move_one_factor_at_a_time_by_delta() {
        let (r, d, levels) = (20, 4, 4);
        let x = morris(r, d, levels, 3);
        let delta = morris_delta(levels);
        for t in 0..r {
            let mut moved = vec![false; d];
            for s in 0..d {
                let a = &x[(t * (d + 1) + s) * d..(t * (d + 1) + s + 1) * d];
                let b = &x[(t * (d + 1) + s + 1) * d..(t * (d + 1) + s + 2) * d];
                let changed: Vec<usize> = (0..d).filter(|&j| a[j] != b[j]).collect();
                assert_eq!(changed.len(), 1);
                let j = changed[0];
                assert!(((b[j] - a[j]).abs() - delta).abs() < 1e-12);
                assert!((0.0..=1.0).contains(&b[j]));
                assert!(!moved[j], "each factor moves once");
                moved[j] = true;
            }
        }
    }
}

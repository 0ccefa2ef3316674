//! Random streams. Every draw in the engine comes from a ChaCha8 stream whose key is
//! built from (seed, replication, region index) and whose stream number names its
//! purpose, so results do not depend on thread count or scheduling.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// What a stream is used for; the value is the ChaCha stream number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Who presents and their attributes (R1): identical across scenarios that share
    /// a seed and region layout, so comparisons use common random numbers.
    Arrivals = 1,
    /// Everything the service does (R2–R19).
    Service = 2,
    /// Building the initial world (link workers, VCSE organisations).
    Init = 3,
}

/// The generator for one (seed, replication, region, purpose).
pub fn stream(seed: u64, replication: u32, region: u32, purpose: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..12].copy_from_slice(&replication.to_le_bytes());
    key[12..16].copy_from_slice(&region.to_le_bytes());
    key[16..24].copy_from_slice(b"spsim-v1");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(purpose as u64);
    rng
}

/// A small count of events with the given mean: no draw at all when the mean is 0, three
/// Bernoulli thirds below a mean of 1 (cheap, and at most 3), a Poisson draw above.
pub fn small_count<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 1.0 {
        return (0..3).filter(|_| rng.random::<f64>() < mean / 3.0).count() as u32;
    }
    rand_distr::Poisson::new(mean).map_or(0.0, |d| rand_distr::Distribution::sample(&d, rng)) as u32
}

/// Sampling helpers used by initialization and the rules.
/// Bernoulli draw.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Logit-normal draw with the given median and log-odds standard deviation.
#[inline]
pub fn logit_normal<R: Rng + ?Sized>(rng: &mut R, median: f64, sd: f64) -> f64 {
    logit_normal_at(rng, log_odds(median), sd)
}

/// The log-odds of a median, as [`logit_normal`] takes it (clamped away from 0 and 1).
#[inline]
pub fn log_odds(median: f64) -> f64 {
    let m = median.clamp(1e-6, 1.0 - 1e-6);
    (m / (1.0 - m)).ln()
}

/// [`logit_normal`] with the median's log-odds computed once ([`log_odds`]) for draws
/// that share it: the same numbers, one logarithm fewer per draw.
#[inline]
pub fn logit_normal_at<R: Rng + ?Sized>(rng: &mut R, log_odds: f64, sd: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    1.0 / (1.0 + (-(log_odds + sd * z)).exp())
}

/// Log-normal draw with mean 1 and log-scale standard deviation `sd` (an individual
/// trait that multiplies a rate: `exp(sd · z − sd²/2)`); exactly 1 when `sd` is 0.
#[inline]
pub fn mean_one_lognormal<R: Rng + ?Sized>(rng: &mut R, sd: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    (sd * z - sd * sd / 2.0).exp()
}

/// Gamma(shape 2) draw with the given mean: a sum of two exponentials.
#[inline]
pub fn gamma2<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = 1.0 - rng.random::<f64>();
    -(u1 * u2).ln() * mean / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_every_coordinate() {
        let draw = |s, r, g, p| stream(s, r, g, p).random::<u64>();
        let base = draw(1, 0, 0, Stream::Arrivals);
        assert_eq!(base, draw(1, 0, 0, Stream::Arrivals));
        assert_ne!(base, draw(2, 0, 0, Stream::Arrivals));
        assert_ne!(base, draw(1, 1, 0, Stream::Arrivals));
        assert_ne!(base, draw(1, 0, 1, Stream::Arrivals));
        assert_ne!(base, draw(1, 0, 0, Stream::Service));
    }
}

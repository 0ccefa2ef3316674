//! The Sobol' low-discrepancy sequence (unscrambled, Gray-code order) with the Joe–Kuo
//! direction numbers (new-joe-kuo-6.21201), the same sequence as `scipy.stats.qmc.Sobol`
//! with `scramble=False`, which SALib's Saltelli sampler draws from. Up to 64 dimensions.

/// Most dimensions supported.
pub use crate::params::sweep::SOBOL_MAX_DIMS as MAX_DIMS;
const BITS: usize = 32;

/// Primitive polynomials (leading and trailing bits included) of dimensions 2..=64.
const POLY: [u32; 63] = [
    3, 7, 11, 13, 19, 25, 37, 41, 47, 55, 59, 61, 67, 91, 97, 103, 109, 115, 131, 137, 143, 145, 157, 167, 171, 185,
    191, 193, 203, 211, 213, 229, 239, 241, 247, 253, 285, 299, 301, 333, 351, 355, 357, 361, 369, 391, 397, 425, 451,
    463, 487, 501, 529, 539, 545, 557, 563, 601, 607, 617, 623, 631, 637,
];
/// Initial direction numbers m_1..m_s of dimensions 2..=64 (zero-padded).
const M_INIT: [[u32; 10]; 63] = [
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 3, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 3, 1, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 3, 3, 0, 0, 0, 0, 0, 0],
    [1, 3, 5, 13, 0, 0, 0, 0, 0, 0],
    [1, 1, 5, 5, 17, 0, 0, 0, 0, 0],
    [1, 1, 5, 5, 5, 0, 0, 0, 0, 0],
    [1, 1, 7, 11, 19, 0, 0, 0, 0, 0],
    [1, 1, 5, 1, 1, 0, 0, 0, 0, 0],
    [1, 1, 1, 3, 11, 0, 0, 0, 0, 0],
    [1, 3, 5, 5, 31, 0, 0, 0, 0, 0],
    [1, 3, 3, 9, 7, 49, 0, 0, 0, 0],
    [1, 1, 1, 15, 21, 21, 0, 0, 0, 0],
    [1, 3, 1, 13, 27, 49, 0, 0, 0, 0],
    [1, 1, 1, 15, 7, 5, 0, 0, 0, 0],
    [1, 3, 1, 15, 13, 25, 0, 0, 0, 0],
    [1, 1, 5, 5, 19, 61, 0, 0, 0, 0],
    [1, 3, 7, 11, 23, 15, 103, 0, 0, 0],
    [1, 3, 7, 13, 13, 15, 69, 0, 0, 0],
    [1, 1, 3, 13, 7, 35, 63, 0, 0, 0],
    [1, 3, 5, 9, 1, 25, 53, 0, 0, 0],
    [1, 3, 1, 13, 9, 35, 107, 0, 0, 0],
    [1, 3, 1, 5, 27, 61, 31, 0, 0, 0],
    [1, 1, 5, 11, 19, 41, 61, 0, 0, 0],
    [1, 3, 5, 3, 3, 13, 69, 0, 0, 0],
    [1, 1, 7, 13, 1, 19, 1, 0, 0, 0],
    [1, 3, 7, 5, 13, 19, 59, 0, 0, 0],
    [1, 1, 3, 9, 25, 29, 41, 0, 0, 0],
    [1, 3, 5, 13, 23, 1, 55, 0, 0, 0],
    [1, 3, 7, 3, 13, 59, 17, 0, 0, 0],
    [1, 3, 1, 3, 5, 53, 69, 0, 0, 0],
    [1, 1, 5, 5, 23, 33, 13, 0, 0, 0],
    [1, 1, 7, 7, 1, 61, 123, 0, 0, 0],
    [1, 1, 7, 9, 13, 61, 49, 0, 0, 0],
    [1, 3, 3, 5, 3, 55, 33, 0, 0, 0],
    [1, 3, 1, 15, 31, 13, 49, 245, 0, 0],
    [1, 3, 5, 15, 31, 59, 63, 97, 0, 0],
    [1, 3, 1, 11, 11, 11, 77, 249, 0, 0],
    [1, 3, 1, 11, 27, 43, 71, 9, 0, 0],
    [1, 1, 7, 15, 21, 11, 81, 45, 0, 0],
    [1, 3, 7, 3, 25, 31, 65, 79, 0, 0],
    [1, 3, 1, 1, 19, 11, 3, 205, 0, 0],
    [1, 1, 5, 9, 19, 21, 29, 157, 0, 0],
    [1, 3, 7, 11, 1, 33, 89, 185, 0, 0],
    [1, 3, 3, 3, 15, 9, 79, 71, 0, 0],
    [1, 3, 7, 11, 15, 39, 119, 27, 0, 0],
    [1, 1, 3, 1, 11, 31, 97, 225, 0, 0],
    [1, 1, 1, 3, 23, 43, 57, 177, 0, 0],
    [1, 3, 7, 7, 17, 17, 37, 71, 0, 0],
    [1, 3, 1, 5, 27, 63, 123, 213, 0, 0],
    [1, 1, 3, 5, 11, 43, 53, 133, 0, 0],
    [1, 3, 5, 5, 29, 17, 47, 173, 479, 0],
    [1, 3, 3, 11, 3, 1, 109, 9, 69, 0],
    [1, 1, 1, 5, 17, 39, 23, 5, 343, 0],
    [1, 3, 1, 5, 25, 15, 31, 103, 499, 0],
    [1, 1, 1, 11, 11, 17, 63, 105, 183, 0],
    [1, 1, 5, 11, 9, 29, 97, 231, 363, 0],
    [1, 1, 5, 15, 19, 45, 41, 7, 383, 0],
    [1, 3, 7, 7, 31, 19, 83, 137, 221, 0],
    [1, 1, 1, 3, 23, 15, 111, 223, 83, 0],
    [1, 1, 5, 13, 31, 15, 55, 25, 161, 0],
    [1, 1, 3, 13, 25, 47, 39, 87, 257, 0],
];

/// Generator of the first points of the Sobol' sequence in `dims` dimensions.
#[derive(Debug, Clone)]
pub struct SobolSeq {
    /// Direction numbers `v[d][k]`, already shifted to 32-bit fractions.
    v: Vec<[u32; BITS]>,
    x: Vec<u32>,
    index: u64,
}

impl SobolSeq {
    /// A generator in `dims` dimensions (1..=[`MAX_DIMS`]).
    pub fn new(dims: usize) -> Self {
        assert!((1..=MAX_DIMS).contains(&dims), "Sobol' dimensions must be 1..={MAX_DIMS}");
        let mut v = vec![[0u32; BITS]; dims];
        for (k, slot) in v[0].iter_mut().enumerate() {
            *slot = 1 << (BITS - 1 - k);
        }
        for d in 1..dims {
            let poly = POLY[d - 1];
            let s = (32 - poly.leading_zeros() - 1) as usize;
            let mut m = [0u64; BITS];
            m[..s].copy_from_slice(&M_INIT[d - 1][..s].iter().map(|&x| x as u64).collect::<Vec<_>>());
            for k in s..BITS {
                // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^s m_{k-s} ^ m_{k-s}
                let mut next = m[k - s] ^ (m[k - s] << s);
                for j in 1..s {
                    if (poly >> (s - j)) & 1 == 1 {
                        next ^= m[k - j] << j;
                    }
                }
                m[k] = next;
            }
            for k in 0..BITS {
                v[d][k] = (m[k] << (BITS - 1 - k)) as u32;
            }
        }
        SobolSeq { v, x: vec![0; dims], index: 0 }
    }

    /// The next point, in [0, 1)^dims. The first point is the origin.
    pub fn next_point(&mut self, out: &mut [f64]) {
        if self.index > 0 {
            let c = (self.index - 1).trailing_ones() as usize;
            assert!(c < BITS, "more than 2^32 Sobol' points");
            for (x, v) in self.x.iter_mut().zip(&self.v) {
                *x ^= v[c];
            }
        }
        for (o, &x) in out.iter_mut().zip(&self.x) {
            *o = x as f64 / (1u64 << BITS) as f64;
        }
        self.index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_points_match_the_published_sequence() {
        // scipy.stats.qmc.Sobol(d=4, scramble=False).random(8)
        let expected = [
            [0.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25, 0.25],
            [0.25, 0.75, 0.75, 0.75],
            [0.375, 0.375, 0.625, 0.875],
            [0.875, 0.875, 0.125, 0.375],
            [0.625, 0.125, 0.875, 0.625],
            [0.125, 0.625, 0.375, 0.125],
        ];
        let mut s = SobolSeq::new(4);
        let mut p = [0.0; 4];
        for row in expected {
            s.next_point(&mut p);
            assert_eq!(p, row);
        }
    }

    #[test]
    fn every_dimension_is_stratified() {
        // Each one-dimensional projection of the first 2^k points hits every 1/2^k cell once.
        let mut s = SobolSeq::new(MAX_DIMS);
        let mut p = vec![0.0; MAX_DIMS];
        let n = 256;
        let mut hits = vec![vec![0u32; n]; MAX_DIMS];
        for _ in 0..n {
            s.next_point(&mut p);
            for (d, x) in p.iter().enumerate() {
                hits[d][(x * n as f64) as usize] += 1;
            }
        }
        assert!(hits.iter().all(|h| h.iter().all(|&c| c == 1)));
    }
}

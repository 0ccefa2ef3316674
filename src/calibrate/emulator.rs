//! A regression emulator of one simulated summary metric over the unit hypercube of the
//! calibrated parameters: least squares on a quadratic surface (intercept, linear terms,
//! squares and pairwise products), with the residual variance as the emulator's own
//! uncertainty. It is the mean-function part of the emulators used in history matching
//! (Vernon et al. 2010; Andrianakis et al. 2015), without the Gaussian-process residual:
//! it screens candidate points before they are simulated, and a point is only ever
//! ruled out by its simulated implausibility, so no simulated point is wrongly kept or
//! discarded. Its uncertainty is one residual variance everywhere (a Gaussian process's
//! would grow away from the data), so a rough fit can screen out a region that is in
//! fact plausible: that region is then missing from the later waves' samples, not wrongly
//! judged. The report gives each wave's emulator R² to show how far to trust the screen.
//!
//! Chosen over a Gaussian-process crate because fitting is one small, deterministic
//! linear solve (the same bits on every machine and thread count, which resuming a
//! killed calibration to identical files needs), it scales to thousands of points per
//! wave in milliseconds, and it needs no hyperparameter optimiser.

/// Which surface was fitted (fewer terms when there are too few points for more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The mean only.
    Constant,
    /// Intercept and linear terms.
    Linear,
    /// Intercept, linear, square and pairwise-product terms.
    Quadratic,
}

/// A fitted emulator.
#[derive(Debug, Clone)]
pub struct Emulator {
    /// The surface.
    pub form: Form,
    dims: usize,
    coef: Vec<f64>,
    /// Residual variance (the emulator's uncertainty about a prediction).
    pub residual_var: f64,
    /// Share of the variance of the simulated means the surface explains (R²).
    pub r2: f64,
}

fn terms(form: Form, d: usize) -> usize {
    match form {
        Form::Constant => 1,
        Form::Linear => 1 + d,
        Form::Quadratic => 1 + d + d * (d + 1) / 2,
    }
}

fn features(form: Form, u: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.push(1.0);
    if form == Form::Constant {
        return;
    }
    let x: Vec<f64> = u.iter().map(|v| 2.0 * v - 1.0).collect();
    out.extend_from_slice(&x);
    if form == Form::Quadratic {
        for i in 0..x.len() {
            for j in i..x.len() {
                out.push(x[i] * x[j]);
            }
        }
    }
}

/// Solve the symmetric positive-definite system `a x = b` (n × n, row-major) by
/// Cholesky; `None` if it is not positive definite.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<()> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    Some(())
}

impl Emulator {
    /// Fit to points `xs` (each in [0, 1]^d) and their simulated means `ys`: the richest
    /// surface with at least two points per term.
    pub fn fit(xs: &[Vec<f64>], ys: &[f64], dims: usize) -> Emulator {
        let n = xs.len();
        let form = if n >= 2 * terms(Form::Quadratic, dims) {
            Form::Quadratic
        } else if n >= 2 * terms(Form::Linear, dims) {
            Form::Linear
        } else {
            Form::Constant
        };
        Self::fit_form(xs, ys, dims, form)
    }

    fn fit_form(xs: &[Vec<f64>], ys: &[f64], dims: usize, form: Form) -> Emulator {
        let p = terms(form, dims);
        let n = xs.len();
        let mean = if n > 0 { ys.iter().sum::<f64>() / n as f64 } else { 0.0 };
        let total: f64 = ys.iter().map(|y| (y - mean) * (y - mean)).sum();
        let mut ata = vec![0.0; p * p];
        let mut aty = vec![0.0; p];
        let mut f = Vec::with_capacity(p);
        for (x, &y) in xs.iter().zip(ys) {
            features(form, x, &mut f);
            for i in 0..p {
                aty[i] += f[i] * y;
                for j in 0..=i {
                    ata[i * p + j] += f[i] * f[j];
                }
            }
        }
        for i in 0..p {
            for j in 0..i {
                ata[j * p + i] = ata[i * p + j];
            }
        }
        // A tiny ridge keeps the solve defined when terms are collinear (e.g. a whole-
        // number parameter with two values); it changes a well-posed fit by nothing visible.
        let ridge = 1e-9 * (0..p).map(|i| ata[i * p + i]).fold(0.0f64, f64::max).max(1e-300);
        for i in 0..p {
            ata[i * p + i] += ridge;
        }
        let mut coef = aty;
        if n == 0 || cholesky_solve(&mut ata, &mut coef, p).is_none() {
            if form != Form::Constant {
                return Self::fit_form(xs, ys, dims, Form::Constant);
            }
            return Emulator { form, dims, coef: vec![mean], residual_var: 0.0, r2: 0.0 };
        }
        let mut em = Emulator { form, dims, coef, residual_var: 0.0, r2: 0.0 };
        let rss: f64 = xs.iter().zip(ys).map(|(x, y)| (y - em.predict(x)).powi(2)).sum();
        let dof = n.saturating_sub(p).max(1);
        em.residual_var = rss / dof as f64;
        em.r2 = if total > 0.0 { (1.0 - rss / total).clamp(0.0, 1.0) } else { 1.0 };
        em
    }

    /// Predicted mean at `u`.
    pub fn predict(&self, u: &[f64]) -> f64 {
        debug_assert_eq!(u.len(), self.dims);
        let mut f = Vec::with_capacity(self.coef.len());
        features(self.form, u, &mut f);
        f.iter().zip(&self.coef).map(|(a, b)| a * b).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quadratic_surface_is_recovered_exactly() {
        let truth = |u: &[f64]| 1.0 + 2.0 * u[0] - 3.0 * u[1] * u[1] + 0.5 * u[0] * u[1];
        let xs: Vec<Vec<f64>> = (0..60).map(|i| vec![(i % 7) as f64 / 6.0, ((i * 3) % 11) as f64 / 10.0]).collect();
        let ys: Vec<f64> = xs.iter().map(|x| truth(x)).collect();
        let em = Emulator::fit(&xs, &ys, 2);
        assert_eq!(em.form, Form::Quadratic);
        for u in [[0.3, 0.7], [0.9, 0.1]] {
            assert!((em.predict(&u) - truth(&u)).abs() < 1e-6);
        }
        assert!(em.residual_var < 1e-10 && em.r2 > 0.999_999);
    }

    #[test]
    fn few_points_give_a_simpler_surface_and_noise_shows_as_residual_variance() {
        let xs: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64 / 7.0, 0.5, 0.5, 0.5, 0.5]).collect();
        let ys: Vec<f64> = (0..8).map(|i| i as f64 + if i % 2 == 0 { 0.5 } else { -0.5 }).collect();
        let em = Emulator::fit(&xs, &ys, 5);
        assert_eq!(em.form, Form::Constant);
        assert!(em.residual_var > 1.0);
    }
}

//! A logistic regression over dense features (a passage's pooled embedding, optionally with the
//! rule's features), fitted by Newton's method with an L2 penalty: deterministic, exact to the
//! optimum in a dozen steps, no learning rate to tune.

/// Weights (the intercept first) over standardized features.
pub struct Dense {
    mean: Vec<f64>,
    scale: Vec<f64>,
    weights: Vec<f64>,
}

impl Dense {
    /// Fits `ys` on the rows of `xs` (each of the same length) with penalty `l2` on every weight
    /// but the intercept. Features are centred on `xs`; the first `standardize` are scaled to unit
    /// variance too (features of different units), the rest keep their scale (an embedding's
    /// dimensions, whose differing variance is part of what the penalty should see).
    pub fn fit(xs: &[Vec<f64>], ys: &[bool], standardize: usize, l2: f64) -> Dense {
        let d = xs.first().map_or(0, Vec::len);
        let n = xs.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        let mut scale = vec![1.0; d];
        for j in 0..d {
            mean[j] = xs.iter().map(|x| x[j]).sum::<f64>() / n;
            let var = xs.iter().map(|x| (x[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if j < standardize && var > 1e-12 {
                scale[j] = var.sqrt();
            }
        }
        let mut model = Dense { mean, scale, weights: vec![0.0; d + 1] };
        let z: Vec<Vec<f64>> = xs.iter().map(|x| model.design(x)).collect();
        let k = d + 1;
        for _ in 0..25 {
            let mut grad = vec![0.0; k];
            let mut hess = vec![0.0; k * k];
            for (x, &y) in z.iter().zip(ys) {
                let p = sigmoid(dot(&model.weights, x));
                let (err, w) = (p - f64::from(u8::from(y)), p * (1.0 - p));
                for a in 0..k {
                    grad[a] += err * x[a] / n;
                    let wa = w * x[a] / n;
                    for b in 0..=a {
                        hess[a * k + b] += wa * x[b];
                    }
                }
            }
            for a in 0..k {
                for b in 0..a {
                    hess[b * k + a] = hess[a * k + b];
                }
                let penalty = if a == 0 { 0.0 } else { l2 };
                grad[a] += penalty * model.weights[a];
                hess[a * k + a] += penalty + 1e-9;
            }
            let Some(step) = solve_spd(&mut hess, &grad, k) else { break };
            let mut largest: f64 = 0.0;
            for (w, s) in model.weights.iter_mut().zip(&step) {
                *w -= s;
                largest = largest.max(s.abs());
            }
            if largest < 1e-9 {
                break;
            }
        }
        model
    }

    /// 1 and the standardized features.
    fn design(&self, x: &[f64]) -> Vec<f64> {
        std::iter::once(1.0)
            .chain(x.iter().zip(self.mean.iter().zip(&self.scale)).map(|(v, (m, s))| (v - m) / s))
            .collect()
    }

    /// The intercept and weights over the unscaled features.
    pub fn linear(&self) -> (f64, Vec<f64>) {
        let weights: Vec<f64> = self.weights[1..].iter().zip(&self.scale).map(|(w, s)| w / s).collect();
        let bias = self.weights[0] - weights.iter().zip(&self.mean).map(|(w, m)| w * m).sum::<f64>();
        (bias, weights)
    }

    /// The probability the model gives the passage with features `x`.
    pub fn probability(&self, x: &[f64]) -> f64 {
        sigmoid(dot(&self.weights, &self.design(x)))
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `a x = b` for a symmetric positive definite `a` (row-major, `k` x `k`) by Cholesky;
/// `a` is overwritten. `None` when `a` is not positive definite.
fn solve_spd(a: &mut [f64], b: &[f64], k: usize) -> Option<Vec<f64>> {
    for j in 0..k {
        let mut diag = a[j * k + j];
        for p in 0..j {
            diag -= a[j * k + p] * a[j * k + p];
        }
        if diag <= 0.0 {
            return None;
        }
        let diag = diag.sqrt();
        a[j * k + j] = diag;
        for i in j + 1..k {
            let mut v = a[i * k + j];
            for p in 0..j {
                v -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = v / diag;
        }
    }
    let mut y = vec![0.0; k];
    for i in 0..k {
        let s: f64 = (0..i).map(|p| a[i * k + p] * y[p]).sum();
        y[i] = (b[i] - s) / a[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let s: f64 = (i + 1..k).map(|p| a[p * k + i] * x[p]).sum();
        x[i] = (y[i] - s) / a[i * k + i];
    }
    Some(x)
}

//! Small, dependency-free statistics used to compare groups of interviews.
//!
//! * [`fisher_exact`]: Fisher's exact test on a 2x2 table (two-sided, greater,
//!   less), with the two-sided rule used by R's `fisher.test` and SciPy's
//!   `scipy.stats.fisher_exact`, plus the sample odds ratio.
//! * [`haldane_log_odds_ratio`]: log odds ratio with 0.5 added to every cell.
//! * [`log_odds_dirichlet`] and [`informative_prior`]: the weighted log-odds
//!   ratio with an informative Dirichlet prior of Monroe, Colaresi & Quinn
//!   (2008), "Fightin' Words", *Political Analysis* 16(4), 372–403.
//! * [`two_sided_p_from_z`]: two-sided normal tail probability.
//! * [`benjamini_hochberg`]: Benjamini–Hochberg adjusted p-values (q-values),
//!   as R's `p.adjust(method = "BH")`.
//!
//! No function here panics, and none returns NaN: degenerate inputs get the
//! documented neutral value instead.

/// Result of [`fisher_exact`] for the 2x2 table `[[a, b], [c, d]]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FisherResult {
    /// Two-sided p-value: the total probability of all tables with the same
    /// margins whose probability is at most the observed table's probability
    /// times `1 + 1e-7` (the rule of R's `fisher.test`). In `[0, 1]`.
    pub p_two_sided: f64,
    /// One-sided p-value for "odds ratio > 1": P(X >= a) under the null
    /// hypergeometric distribution. In `[0, 1]`.
    pub p_greater: f64,
    /// One-sided p-value for "odds ratio < 1": P(X <= a) under the null
    /// hypergeometric distribution. In `[0, 1]`.
    pub p_less: f64,
    /// Sample (unconditional) odds ratio `(a*d) / (b*c)`, as SciPy reports
    /// it: `f64::INFINITY` when `b*c == 0` and `a*d > 0`, `0.0` when
    /// `a*d == 0` and `b*c > 0`. When both products are zero (which happens
    /// exactly when a row or a column of the table is all zero) it is `1.0`
    /// (SciPy returns NaN there): such a table carries no evidence either way.
    pub odds_ratio: f64,
}

/// Fisher's exact test on the 2x2 table `[[a, b], [c, d]]`.
///
/// Rows are "this group" / "the rest", columns are "interviews with the code" /
/// "interviews without it". Conditional on the margins, the top-left cell `X`
/// follows a hypergeometric distribution; the p-values are tail sums of it:
///
/// * `p_greater` = P(X >= a), `p_less` = P(X <= a);
/// * `p_two_sided` sums P(X = k) over all k with
///   P(X = k) <= P(X = a) * (1 + 1e-7), exactly as R's `fisher.test`; it agrees
///   with `scipy.stats.fisher_exact(..., alternative="two-sided")` except for
///   tables whose probability ties the observed one only within 1e-7 relative.
///
/// Probabilities are computed in log space from log-factorials and normalised
/// by their sum (as R does), so tables with totals of many thousands work;
/// relative accuracy is about 1e-11 for totals of a few thousand (checked
/// against SciPy on 400 random tables with totals up to 12 000), degrading
/// slowly as f64 log-factorials lose digits (about 1e-5 at totals of 1e9;
/// totals beyond ~1e12 give only rough values, never NaN). The cost is
/// proportional to the part of the support with non-negligible probability,
/// at most a few hundred thousand steps: tables whose null standard deviation
/// of `a` exceeds 1e4 (totals above ~1.6e9) use a normal approximation with
/// continuity correction instead. A table whose row or column is all zero has
/// a single possible arrangement, so every p-value is `1.0`.
///
/// The odds ratio is documented on [`FisherResult::odds_ratio`].
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> FisherResult {
    let odds_ratio = sample_odds_ratio(a, b, c, d);
    let (p_two_sided, p_greater, p_less) = fisher_p_values(a, b, c, d);
    FisherResult { p_two_sided, p_greater, p_less, odds_ratio }
}

/// Sample odds ratio with the conventions documented on
/// [`FisherResult::odds_ratio`].
fn sample_odds_ratio(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let ad_zero = a == 0 || d == 0;
    let bc_zero = b == 0 || c == 0;
    match (ad_zero, bc_zero) {
        (true, true) => 1.0,
        (false, true) => f64::INFINITY,
        (true, false) => 0.0,
        // Both products are positive; in f64 they are at most ~3.4e38, finite.
        (false, false) => (a as f64 * d as f64) / (b as f64 * c as f64),
    }
}

/// Relative tolerance of R's `fisher.test` when deciding which tables are
/// "at most as probable" as the observed one.
const FISHER_REL_ERR: f64 = 1.0 + 1e-7;

/// Once a log-weight is this far below the mode's, `exp` of it is exactly
/// zero in f64 (the smallest subnormal is about e^-744.4), and by
/// log-concavity of the hypergeometric distribution every table further out
/// is smaller still.
const LOG_UNDERFLOW: f64 = -760.0;

/// The two-sided, greater and less p-values of Fisher's exact test.
fn fisher_p_values(a: u64, b: u64, c: u64, d: u64) -> (f64, f64, f64) {
    // u128 keeps every margin and the total exact, whatever the inputs.
    let (a, b, c, d) = (a as u128, b as u128, c as u128, d as u128);
    let r1 = a + b; // first row total
    let c1 = a + c; // first column total
    let n = a + b + c + d;
    // Support of the top-left cell given the margins:
    // max(0, c1 - r2) = max(0, a - d) ..= min(r1, c1).
    let lo = a.saturating_sub(d);
    let hi = r1.min(c1);
    if lo >= hi {
        // A single possible table (some margin is zero or forces it).
        return (1.0, 1.0, 1.0);
    }
    let (r2, c2) = (c + d, b + d);
    // Null mean and variance of the top-left cell.
    let nf = n as f64;
    let mean = r1 as f64 * (c1 as f64 / nf);
    let variance = (r1 as f64 / nf) * (r2 as f64 / nf) * (c1 as f64) * (c2 as f64 / (nf - 1.0));
    if variance > EXACT_MAX_VARIANCE {
        return fisher_normal_approx(a as f64, mean, variance);
    }

    // Log of the hypergeometric probability of top-left cell k, up to the
    // additive constant ln(r1! r2! c1! c2! / n!) that cancels on normalising:
    // -ln(k! (r1-k)! (c1-k)! (d-a+k)!).
    let log_weight = |k: u128| -> f64 {
        // k in [lo, hi] guarantees every argument below is non-negative.
        -(ln_factorial(k) + ln_factorial(r1 - k) + ln_factorial(c1 - k) + ln_factorial(d + k - a))
    };

    // Mode of the hypergeometric distribution: floor((r1+1)(c1+1)/(n+2)).
    let mode_guess = match (r1 + 1).checked_mul(c1 + 1) {
        Some(prod) => prod / (n + 2),
        None => {
            let m = (r1 as f64 + 1.0) * (c1 as f64 + 1.0) / (n as f64 + 2.0);
            if m.is_finite() && m > 0.0 {
                m as u128 // saturating float-to-int cast
            } else {
                lo
            }
        }
    };
    let mut mode = mode_guess.clamp(lo, hi);
    let mut lw_mode = log_weight(mode);
    // Guard against rounding in the formula's fallback: climb to the top.
    while mode < hi {
        let next = log_weight(mode + 1);
        if next > lw_mode {
            mode += 1;
            lw_mode = next;
        } else {
            break;
        }
    }
    while mode > lo {
        let prev = log_weight(mode - 1);
        if prev > lw_mode {
            mode -= 1;
            lw_mode = prev;
        } else {
            break;
        }
    }

    let x = a;
    let rel_obs = log_weight(x) - lw_mode;
    let threshold = if rel_obs < LOG_UNDERFLOW { 0.0 } else { rel_obs.exp() * FISHER_REL_ERR };

    let mut total = 0.0_f64;
    let mut less = 0.0_f64;
    let mut greater = 0.0_f64;
    let mut two = 0.0_f64;
    let mut add = |k: u128, w: f64| {
        total += w;
        if k <= x {
            less += w;
        }
        if k >= x {
            greater += w;
        }
        if w <= threshold {
            two += w;
        }
    };

    // Walk outward from the mode in both directions until the weights
    // underflow; everything beyond contributes exactly 0 in f64.
    let mut k = mode;
    loop {
        let rel = log_weight(k) - lw_mode;
        if rel < LOG_UNDERFLOW {
            break;
        }
        add(k, rel.exp());
        if k >= hi {
            break;
        }
        k += 1;
    }
    let mut k = mode;
    while k > lo {
        k -= 1;
        let rel = log_weight(k) - lw_mode;
        if rel < LOG_UNDERFLOW {
            break;
        }
        add(k, rel.exp());
    }

    if !(total.is_finite() && total > 0.0) {
        // Only reachable for absurd totals (beyond ~1e15) where f64 log-factorials
        // lose all precision; report "no evidence" rather than NaN.
        return (1.0, 1.0, 1.0);
    }
    (unit_interval(two / total), unit_interval(greater / total), unit_interval(less / total))
}

/// Above this null variance of the top-left cell (standard deviation 1e4,
/// totals of at least ~1.6e9) [`fisher_exact`] switches from the exact sum to
/// a normal approximation: the exact walk would take millions of steps and
/// f64 log-factorials of such totals are themselves only good to ~1e-5.
const EXACT_MAX_VARIANCE: f64 = 1e8;

/// Normal approximation (with continuity correction) to the hypergeometric
/// tails, for huge tables only.
fn fisher_normal_approx(x: f64, mean: f64, variance: f64) -> (f64, f64, f64) {
    let sd = variance.sqrt();
    let upper_tail = |t: f64| 0.5 * erfc(t * std::f64::consts::FRAC_1_SQRT_2);
    let p_greater = upper_tail((x - 0.5 - mean) / sd);
    let p_less = upper_tail((mean - x - 0.5) / sd);
    let dev = ((x - mean).abs() - 0.5).max(0.0);
    let p_two = 2.0 * upper_tail(dev / sd);
    (unit_interval(p_two), unit_interval(p_greater), unit_interval(p_less))
}

/// Clamps a probability to `[0, 1]`, mapping NaN to `1.0`.
fn unit_interval(p: f64) -> f64 {
    if p.is_nan() {
        1.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

/// `ln(k!)`: exact product for small k, Stirling's series otherwise
/// (truncation error below 1e-15 for k > 20).
fn ln_factorial(k: u128) -> f64 {
    if k < 2 {
        return 0.0;
    }
    if k <= 20 {
        // 20! ~ 2.4e18: the product is exact up to 18! and within a few ulps after.
        let mut prod = 1.0_f64;
        let mut i = 2u128;
        while i <= k {
            prod *= i as f64;
            i += 1;
        }
        return prod.ln();
    }
    let x = k as f64;
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // ln(2*pi) / 2
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
    // 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7)
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    (x + 0.5) * x.ln() - x + HALF_LN_2PI + series
}

/// Log odds ratio with the Haldane–Anscombe correction: 0.5 is added to every
/// cell of `[[a, b], [c, d]]`, giving
/// `ln((a + 0.5)(d + 0.5) / ((b + 0.5)(c + 0.5)))`.
///
/// Always finite, so it is a usable effect size for small or sparse tables
/// where the plain odds ratio is 0 or infinite. Positive means the first row
/// ("this group") has the code more often than the second.
pub fn haldane_log_odds_ratio(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let h = |x: u64| (x as f64 + 0.5).ln();
    h(a) + h(d) - h(b) - h(c)
}

/// Weighted log-odds ratio of one term, with an informative Dirichlet prior
/// (Monroe, Colaresi & Quinn 2008, eq. 16–22); see [`log_odds_dirichlet`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogOdds {
    /// Point estimate `delta_w` of the log-odds ratio (group i vs the rest j).
    /// Positive: the term is more frequent in group i. `0.0` for degenerate input.
    pub delta: f64,
    /// Approximate variance `1/(y_i + a_w) + 1/(y_j + a_w)` of `delta`.
    /// `f64::INFINITY` (no information) for degenerate input.
    pub variance: f64,
    /// Z-score `delta / sqrt(variance)`. `0.0` for degenerate input.
    pub z: f64,
}

impl LogOdds {
    /// The value returned for degenerate input: no effect, no information.
    const NEUTRAL: LogOdds = LogOdds { delta: 0.0, variance: f64::INFINITY, z: 0.0 };
}

/// Weighted log-odds ratio with an informative Dirichlet prior for one term
/// (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16–22).
///
/// * `y_i`: count of the term in group i; `n_i`: total count of all terms in group i;
/// * `y_j`, `n_j`: the same for the rest (group j);
/// * `a_w`: prior count of the term; `a0`: sum of the prior counts of all terms
///   (see [`informative_prior`]).
///
/// Computes
///
/// ```text
/// delta = ln((y_i + a_w) / (n_i + a0 - y_i - a_w)) - ln((y_j + a_w) / (n_j + a0 - y_j - a_w))
/// variance = 1/(y_i + a_w) + 1/(y_j + a_w)
/// z = delta / sqrt(variance)
/// ```
///
/// If the input is degenerate, so that one of the four quantities inside the
/// logarithms is not a finite positive number (for example `y_i > n_i`,
/// `a_w == 0` with a zero count, `a_w > a0` with `y_i == n_i`, or a NaN prior),
/// the result is `LogOdds { delta: 0.0, variance: f64::INFINITY, z: 0.0 }`.
pub fn log_odds_dirichlet(y_i: u64, n_i: u64, y_j: u64, n_j: u64, a_w: f64, a0: f64) -> LogOdds {
    if y_i > n_i || y_j > n_j {
        return LogOdds::NEUTRAL;
    }
    let prior_rest = a0 - a_w;
    let num_i = y_i as f64 + a_w;
    let den_i = (n_i - y_i) as f64 + prior_rest;
    let num_j = y_j as f64 + a_w;
    let den_j = (n_j - y_j) as f64 + prior_rest;
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !(positive(num_i) && positive(den_i) && positive(num_j) && positive(den_j)) {
        return LogOdds::NEUTRAL;
    }
    let delta = (num_i.ln() - den_i.ln()) - (num_j.ln() - den_j.ln());
    let variance = 1.0 / num_i + 1.0 / num_j;
    if !(delta.is_finite() && positive(variance)) {
        return LogOdds::NEUTRAL;
    }
    let z = delta / variance.sqrt();
    if !z.is_finite() {
        return LogOdds::NEUTRAL;
    }
    LogOdds { delta, variance, z }
}

/// Informative prior count of one term: `prior_size * counts_total / corpus_total`,
/// where `counts_total` is the term's count in the whole corpus (`y_i + y_j`),
/// `corpus_total` the count of all terms in the corpus, and `prior_size` the
/// total weight `a0` given to the prior (summing this over all terms gives
/// `a0 = prior_size`).
///
/// Returns `0.0` when `corpus_total == 0` or `prior_size` is not a finite
/// positive number. The result is always finite and non-negative.
pub fn informative_prior(counts_total: u64, corpus_total: u64, prior_size: f64) -> f64 {
    if corpus_total == 0 || !(prior_size.is_finite() && prior_size > 0.0) {
        return 0.0;
    }
    let share = counts_total as f64 / corpus_total as f64;
    let a_w = prior_size * share;
    if a_w.is_finite() {
        a_w
    } else {
        f64::MAX
    }
}

/// Two-sided p-value of a standard normal z-score: `P(|Z| >= |z|) = erfc(|z| / sqrt(2))`.
///
/// Uses W. J. Cody's rational Chebyshev approximation of `erfc` (relative
/// error near 1e-15). Returns `1.0` for `z == 0` and for NaN, and `0.0` when
/// the tail underflows (|z| above about 38) or `z` is infinite.
pub fn two_sided_p_from_z(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    let x = z.abs() * std::f64::consts::FRAC_1_SQRT_2;
    unit_interval(erfc(x))
}

/// Complementary error function, W. J. Cody (1969), "Rational Chebyshev
/// approximations for the error function", Math. Comp. 23, 631–637
/// (the SPECFUN `CALERF` routine).
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let y = x;
    if y <= 0.46875 {
        let ysq = if y > 1.11e-16 { y * y } else { 0.0 };
        let mut xnum = cody::A[4] * ysq;
        let mut xden = ysq;
        for i in 0..3 {
            xnum = (xnum + cody::A[i]) * ysq;
            xden = (xden + cody::B[i]) * ysq;
        }
        let erf = y * (xnum + cody::A[3]) / (xden + cody::B[3]);
        return 1.0 - erf;
    }
    if y >= cody::XBIG {
        return 0.0;
    }
    let ratio = if y <= 4.0 {
        let mut xnum = cody::C[8] * y;
        let mut xden = y;
        for i in 0..7 {
            xnum = (xnum + cody::C[i]) * y;
            xden = (xden + cody::D[i]) * y;
        }
        (xnum + cody::C[7]) / (xden + cody::D[7])
    } else {
        let ysq = 1.0 / (y * y);
        let mut xnum = cody::P[5] * ysq;
        let mut xden = ysq;
        for i in 0..4 {
            xnum = (xnum + cody::P[i]) * ysq;
            xden = (xden + cody::Q[i]) * ysq;
        }
        let r = ysq * (xnum + cody::P[4]) / (xden + cody::Q[4]);
        (cody::SQRPI - r) / y
    };
    // exp(-y^2) computed as exp(-ysq^2) * exp(-del) with ysq = trunc(16y)/16
    // to avoid the rounding error of y*y.
    let ysq = (16.0 * y).trunc() / 16.0;
    let del = (y - ysq) * (y + ysq);
    (-ysq * ysq).exp() * (-del).exp() * ratio
}

/// Coefficients of Cody's `CALERF`, at their published precision.
#[allow(clippy::excessive_precision)]
mod cody {
    /// 1/sqrt(pi).
    pub(super) const SQRPI: f64 = 5.6418958354775628695e-1;
    /// Above this, erfc underflows to zero in double precision.
    pub(super) const XBIG: f64 = 26.543;
    /// erf on [0, 0.46875]: numerator.
    pub(super) const A: [f64; 5] = [
        3.16112374387056560e00,
        1.13864154151050156e02,
        3.77485237685302021e02,
        3.20937758913846947e03,
        1.85777706184603153e-1,
    ];
    /// erf on [0, 0.46875]: denominator.
    pub(super) const B: [f64; 4] =
        [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
    /// erfc on (0.46875, 4]: numerator.
    pub(super) const C: [f64; 9] = [
        5.64188496988670089e-1,
        8.88314979438837594e00,
        6.61191906371416295e01,
        2.98635138197400131e02,
        8.81952221241769090e02,
        1.71204761263407058e03,
        2.05107837782607147e03,
        1.23033935479799725e03,
        2.15311535474403846e-8,
    ];
    /// erfc on (0.46875, 4]: denominator.
    pub(super) const D: [f64; 8] = [
        1.57449261107098347e01,
        1.17693950891312499e02,
        5.37181101862009858e02,
        1.62138957456669019e03,
        3.29079923573345963e03,
        4.36261909014324716e03,
        3.43936767414372164e03,
        1.23033935480374942e03,
    ];
    /// erfc above 4: numerator.
    pub(super) const P: [f64; 6] = [
        3.05326634961232344e-1,
        3.60344899949804439e-1,
        1.25781726111229246e-1,
        1.60837851487422766e-2,
        6.58749161529837803e-4,
        1.63153871373020978e-2,
    ];
    /// erfc above 4: denominator.
    pub(super) const Q: [f64; 5] = [
        2.56852019228982242e00,
        1.87295284992346047e00,
        5.27905102951428412e-1,
        6.05183413124413191e-2,
        2.33520497626869185e-3,
    ];
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input order, as
/// R's `p.adjust(p, method = "BH")`.
///
/// With the p-values sorted ascending, `p_(1) <= ... <= p_(m)`, the adjusted
/// value of `p_(k)` is `min(1, min_{j >= k} m * p_(j) / j)`; the result is
/// therefore monotone in `p` and at most `1`.
///
/// Inputs are sanitised first: NaN counts as `1.0` (and still counts towards
/// `m`, which is conservative; R instead drops NA), and values outside
/// `[0, 1]` are clamped into it. An empty slice gives an empty vector.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let clean: Vec<f64> = p.iter().map(|&v| unit_interval(v)).collect();
    let mut order: Vec<usize> = (0..m).collect();
    // Descending by p-value; stable, so ties keep input order (as R's order()).
    order.sort_by(|&i, &j| clean[j].total_cmp(&clean[i]));
    let mut out = vec![1.0; m];
    let mut running = 1.0_f64;
    let m_f = m as f64;
    for (pos, &idx) in order.iter().enumerate() {
        let rank = (m - pos) as f64; // 1-based rank in ascending order
        let candidate = m_f / rank * clean[idx];
        if candidate < running {
            running = candidate;
        }
        out[idx] = unit_interval(running);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative closeness (absolute for values near zero).
    fn close(got: f64, want: f64, rel: f64) -> bool {
        if got == want {
            return true;
        }
        let scale = want.abs().max(1e-300);
        (got - want).abs() / scale <= rel
    }

    #[track_caller]
    fn assert_close(got: f64, want: f64, rel: f64) {
        assert!(close(got, want, rel), "got {got:e}, want {want:e} (rel {rel:e})");
    }

    #[track_caller]
    fn check_fisher(t: (u64, u64, u64, u64), two: f64, greater: f64, less: f64, or: f64) {
        let r = fisher_exact(t.0, t.1, t.2, t.3);
        assert_close(r.p_two_sided, two, 1e-9);
        assert_close(r.p_greater, greater, 1e-9);
        assert_close(r.p_less, less, 1e-9);
        assert_close(r.odds_ratio, or, 1e-12);
    }

    // Fisher reference values: SciPy 1.17.1,
    //   scipy.stats.fisher_exact([[a, b], [c, d]], alternative=ALT)
    // for ALT in "two-sided", "greater", "less" (the statistic is the odds
    // ratio). Cross-checked with an exact rational computation in Python
    // (fractions.Fraction and math.comb over the whole support, R's
    // "<= p_obs * (1 + 1e-7)" rule); where the exact fraction is small it is
    // given too. The two sources agree to the last printed digit or within
    // 2 ulps.

    #[test]
    fn fisher_6_0_0_6() {
        // scipy: two=0.0021645021645021645 (exact 1/462), greater=0.0010822510822510823
        // (exact 1/924), less=1.0, odds ratio=inf
        check_fisher((6, 0, 0, 6), 1.0 / 462.0, 1.0 / 924.0, 1.0, f64::INFINITY);
        assert_close(fisher_exact(6, 0, 0, 6).p_two_sided, 0.0021645021645021645, 1e-9);
    }

    #[test]
    fn fisher_3_1_1_3() {
        // scipy: two=0.48571428571428565 (exact 17/35), greater=0.24285714285714283,
        // less=0.9857142857142858, odds ratio=9.0
        check_fisher((3, 1, 1, 3), 0.48571428571428565, 0.24285714285714283, 0.9857142857142858, 9.0);
    }

    #[test]
    fn fisher_5_1_2_4() {
        // scipy: two=0.24242424242424246 (exact 8/33), greater=0.12121212121212119,
        // less=0.9924242424242424, odds ratio=10.0
        check_fisher((5, 1, 2, 4), 0.24242424242424246, 0.12121212121212119, 0.9924242424242424, 10.0);
    }

    #[test]
    fn fisher_0_5_0_5() {
        // scipy: p=1.0 for all three alternatives; odds ratio nan (a zero
        // column). Ours: 1.0 by the documented 0/0 convention.
        check_fisher((0, 5, 0, 5), 1.0, 1.0, 1.0, 1.0);
    }

    #[test]
    fn fisher_1_9_11_3() {
        // scipy: two=0.0027594561852200836 (exact 41/14858), greater=0.9999663480953022,
        // less=0.0013797280926100418, odds ratio=0.030303030303030304 (= 3/99)
        check_fisher(
            (1, 9, 11, 3),
            0.0027594561852200836,
            0.9999663480953022,
            0.0013797280926100418,
            0.030303030303030304,
        );
    }

    #[test]
    fn fisher_40_60_20_80() {
        // scipy: two=0.0031918168259287634, greater=0.0015959084129643817,
        // less=0.9994505723530551, odds ratio=2.6666666666666665 (= 3200/1200)
        // exact rational: two=0.0031918168259287638, greater=0.0015959084129643819
        check_fisher(
            (40, 60, 20, 80),
            0.0031918168259287634,
            0.0015959084129643817,
            0.9994505723530551,
            2.6666666666666665,
        );
    }

    #[test]
    fn fisher_all_zero() {
        // scipy: (nan, 1.0) for every alternative; ours: p=1, odds ratio 1.0 (0/0).
        check_fisher((0, 0, 0, 0), 1.0, 1.0, 1.0, 1.0);
    }

    #[test]
    fn fisher_more_tables() {
        // scipy: two=0.02301413756522116 (exact 1063/46189), greater=0.9990149169715733,
        // less=0.01852172595206651, odds ratio=0.07142857142857142 (= 4/56)
        check_fisher((2, 7, 8, 2), 0.02301413756522116, 0.9990149169715733, 0.01852172595206651, 0.07142857142857142);
        // scipy: two=1.082508822446903e-05, greater=1.0, less=5.412544112234515e-06, odds ratio=0.0
        check_fisher((0, 10, 10, 0), 1.082508822446903e-05, 1.0, 5.412544112234515e-06, 0.0);
        // scipy: two=1.082508822446903e-05, greater=5.412544112234515e-06, less=1.0, odds ratio=inf
        check_fisher((10, 0, 0, 10), 1.082508822446903e-05, 5.412544112234515e-06, 1.0, f64::INFINITY);
        // scipy: two=0.0004749227316381919, greater=0.0003786927330005923,
        // less=0.9999682084770806, odds ratio=10.285714285714286 (= 360/35)
        check_fisher(
            (12, 5, 7, 30),
            0.0004749227316381919,
            0.0003786927330005923,
            0.9999682084770806,
            10.285714285714286,
        );
    }

    #[test]
    fn fisher_large_table() {
        // n = 4000. scipy: two=0.06863412362505296, greater=0.03431706181252648,
        // less=0.9709648863380652, odds ratio=1.1481481481481481 (= 775000/675000)
        // exact rational: two=0.068634123625053098, greater=0.034317061812526549,
        // less=0.97096488633806499
        check_fisher(
            (500, 1500, 450, 1550),
            0.06863412362505296,
            0.03431706181252648,
            0.9709648863380652,
            1.1481481481481481,
        );
    }

    #[test]
    fn fisher_huge_tables_use_normal_approximation() {
        // Null sd of `a` above 1e4: normal approximation. Reference: SciPy 1.17.1
        // scipy.stats.fisher_exact (exact) on the same tables; agreement to 1e-4.
        // scipy: two=0.5023665567966267, greater=0.2511864794874768, less=0.7488419699910356
        let r = fisher_exact(500_030_000, 500_000_000, 500_000_000, 500_000_000);
        assert_close(r.p_two_sided, 0.5023665567966267, 1e-4);
        assert_close(r.p_greater, 0.2511864794874768, 1e-4);
        assert_close(r.p_less, 0.7488419699910356, 1e-4);
        // scipy: two=0.8230985506205798, greater=0.5884815255596294, less=0.4115531690979024
        let r = fisher_exact(500_000_000, 500_020_000, 499_990_000, 500_000_000);
        assert_close(r.p_two_sided, 0.8230985506205798, 1e-4);
        assert_close(r.p_greater, 0.5884815255596294, 1e-4);
        assert_close(r.p_less, 0.4115531690979024, 1e-4);
    }

    #[test]
    fn fisher_degenerate_margins() {
        // A zero row or column admits one table only: every p-value is 1.
        for t in [(5, 0, 3, 0), (0, 0, 4, 7), (7, 2, 0, 0), (0, 0, 0, 9)] {
            let r = fisher_exact(t.0, t.1, t.2, t.3);
            assert_eq!((r.p_two_sided, r.p_greater, r.p_less), (1.0, 1.0, 1.0), "{t:?}");
            assert_eq!(r.odds_ratio, 1.0, "{t:?}");
        }
    }

    #[test]
    fn fisher_never_nan_or_out_of_range() {
        let big = u64::MAX;
        for t in [
            (big, big, big, big),
            (big, 0, 0, big),
            (big, 1, 1, 0),
            (1 << 40, 3, 5, 1 << 41),
            (1 << 26, 3, 5, 1 << 27),
            (1 << 50, 1 << 50, 1 << 50, 1 << 50),
            (0, big, big, 0),
        ] {
            let r = fisher_exact(t.0, t.1, t.2, t.3);
            for p in [r.p_two_sided, r.p_greater, r.p_less] {
                assert!((0.0..=1.0).contains(&p), "{t:?} -> {r:?}");
            }
            assert!(!r.odds_ratio.is_nan(), "{t:?}");
        }
        // Far tails underflow to exactly zero rather than NaN.
        let r = fisher_exact(3000, 0, 0, 3000);
        assert_eq!(r.p_greater, 0.0);
        assert_eq!(r.p_less, 1.0);
    }

    #[test]
    fn ln_factorial_matches_direct_sum() {
        for k in [0u128, 1, 2, 5, 18, 20, 21, 25, 100, 1000, 5000] {
            let direct: f64 = (2..=k).map(|i| (i as f64).ln()).sum();
            assert_close(ln_factorial(k), direct, 1e-13);
        }
    }

    #[test]
    fn haldane() {
        // Python: math.log(3.5*3.5/(1.5*1.5)) = 1.6945957207744073
        assert_close(haldane_log_odds_ratio(3, 1, 1, 3), 1.6945957207744073, 1e-12);
        // Python: math.log(6.5*6.5/(0.5*0.5)) = 5.1298987149230735
        assert_close(haldane_log_odds_ratio(6, 0, 0, 6), 5.1298987149230735, 1e-12);
        // Python: math.log(1.5*3.5/(9.5*11.5)) = -3.0354107573721674
        assert_close(haldane_log_odds_ratio(1, 9, 11, 3), -3.0354107573721674, 1e-12);
        // ln(0.25/0.25) = 0
        assert_eq!(haldane_log_odds_ratio(0, 0, 0, 0), 0.0);
        assert!(haldane_log_odds_ratio(u64::MAX, 0, 0, u64::MAX).is_finite());
    }

    #[test]
    fn log_odds_paper_formula() {
        // Hand computation of Monroe et al. (2008) eq. 16-22 in Python, plain arithmetic:
        //   y_i=10, n_i=100, y_j=2, n_j=120, a_w=1.2, a0=22
        //   group i: (10+1.2)/(100+22-10-1.2) = 11.2/110.8 = 0.10108303249097472
        //   group j: (2+1.2)/(120+22-2-1.2)   = 3.2/138.8  = 0.023054755043227664
        //   delta = ln(0.10108303249097472) - ln(0.023054755043227664) = 1.4780702422548888
        //   var   = 1/11.2 + 1/3.2 = 0.4017857142857143
        //   z     = 1.4780702422548888 / sqrt(0.4017857142857143) = 2.3318350608547465
        let r = log_odds_dirichlet(10, 100, 2, 120, 1.2, 22.0);
        assert_close(r.delta, 1.4780702422548888, 1e-12);
        assert_close(r.variance, 0.4017857142857143, 1e-12);
        assert_close(r.z, 2.3318350608547465, 1e-12);
        // Swapping the groups flips the sign.
        let s = log_odds_dirichlet(2, 120, 10, 100, 1.2, 22.0);
        assert_close(s.delta, -1.4780702422548888, 1e-12);
        assert_close(s.z, -2.3318350608547465, 1e-12);
    }

    #[test]
    fn log_odds_degenerate() {
        let neutral = LogOdds { delta: 0.0, variance: f64::INFINITY, z: 0.0 };
        // y > n
        assert_eq!(log_odds_dirichlet(11, 10, 2, 120, 1.0, 10.0), neutral);
        // no prior and a zero count: ln(0)
        assert_eq!(log_odds_dirichlet(0, 10, 2, 120, 0.0, 0.0), neutral);
        // every occurrence is this term and the prior has no other mass
        assert_eq!(log_odds_dirichlet(10, 10, 2, 120, 1.0, 1.0), neutral);
        // NaN / infinite prior
        assert_eq!(log_odds_dirichlet(1, 10, 2, 120, f64::NAN, 10.0), neutral);
        assert_eq!(log_odds_dirichlet(1, 10, 2, 120, 1.0, f64::INFINITY), neutral);
        // no prior but non-zero counts is fine (the plain log-odds ratio):
        // ln(1/9) - ln(2/118) = ln(118/18) = 1.8803128665695001 (Python math.log(118/18))
        let r = log_odds_dirichlet(1, 10, 2, 120, 0.0, 0.0);
        assert_close(r.delta, 1.8803128665695001, 1e-12);
    }

    #[test]
    fn prior() {
        // 22 * 12 / 220 = 1.2 (the a_w of the example above: y_i + y_j = 12,
        // corpus total n_i + n_j = 220, prior size a0 = 22)
        assert_close(informative_prior(12, 220, 22.0), 1.2, 1e-15);
        assert_eq!(informative_prior(12, 0, 22.0), 0.0);
        assert_eq!(informative_prior(12, 220, f64::NAN), 0.0);
        assert_eq!(informative_prior(12, 220, -1.0), 0.0);
        assert_eq!(informative_prior(0, 220, 5.0), 0.0);
        assert!(informative_prior(u64::MAX, 1, f64::MAX).is_finite());
    }

    #[test]
    fn normal_two_sided() {
        // SciPy 1.17.1: 2 * scipy.stats.norm.sf(abs(z))
        let cases = [
            (0.0, 1.0),
            (0.5, 0.6170750774519738),
            (1.0, 0.31731050786291415),
            (1.959963984540054, 0.05),
            (2.5, 0.012419330651552265),
            (-2.5, 0.012419330651552265),
            (3.0, 0.0026997960632601866),
            (5.0, 5.733031437583866e-07),
            (8.0, 1.244192114854348e-15),
            (10.0, 1.523970604832094e-23),
        ];
        for (z, want) in cases {
            assert_close(two_sided_p_from_z(z), want, 1e-6);
        }
        assert_eq!(two_sided_p_from_z(f64::NAN), 1.0);
        assert_eq!(two_sided_p_from_z(f64::INFINITY), 0.0);
        assert_eq!(two_sided_p_from_z(f64::NEG_INFINITY), 0.0);
        assert_eq!(two_sided_p_from_z(60.0), 0.0);
    }

    #[test]
    fn bh_by_hand() {
        // p = [0.01, 0.04, 0.03, 0.005, 0.20], m = 5. Sorted ascending with rank j:
        //   0.005 (j=1): 5*0.005/1 = 0.025
        //   0.01  (j=2): 5*0.01/2  = 0.025
        //   0.03  (j=3): 5*0.03/3  = 0.05
        //   0.04  (j=4): 5*0.04/4  = 0.05
        //   0.20  (j=5): 5*0.20/5  = 0.20
        // running minimum from the largest down changes nothing here, so in input
        // order q = [0.025, 0.05, 0.05, 0.025, 0.20].
        // statsmodels 0.15.0 multipletests(p, method="fdr_bh") gives the same:
        // [0.024999999999999998, 0.049999999999999996, 0.049999999999999996, 0.024999999999999998, 0.2]
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.20]);
        let want = [0.025, 0.05, 0.05, 0.025, 0.20];
        assert_eq!(q.len(), want.len());
        for (g, w) in q.iter().zip(want) {
            assert_close(*g, w, 1e-12);
        }
    }

    #[test]
    fn bh_ties_and_monotone_step() {
        // p = [0.5, 0.01, 0.01, 0.9, 0.02, 0.04], m = 6. Ascending with rank j:
        //   0.01 (j=1): 6*0.01/1 = 0.06  -> min(0.06, 0.03, ...) = 0.03
        //   0.01 (j=2): 6*0.01/2 = 0.03
        //   0.02 (j=3): 6*0.02/3 = 0.04
        //   0.04 (j=4): 6*0.04/4 = 0.06
        //   0.5  (j=5): 6*0.5/5  = 0.6
        //   0.9  (j=6): 6*0.9/6  = 0.9
        // input order: [0.6, 0.03, 0.03, 0.9, 0.04, 0.06]
        // statsmodels 0.15.0 fdr_bh: [0.6, 0.030000000000000002, 0.030000000000000002, 0.9, 0.04, 0.060000000000000005]
        let q = benjamini_hochberg(&[0.5, 0.01, 0.01, 0.9, 0.02, 0.04]);
        let want = [0.6, 0.03, 0.03, 0.9, 0.04, 0.06];
        for (g, w) in q.iter().zip(want) {
            assert_close(*g, w, 1e-12);
        }
    }

    #[test]
    fn bh_edges() {
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        // capped at 1, NaN treated as 1, out-of-range clamped
        let q = benjamini_hochberg(&[0.9, f64::NAN, 1.5, -0.1]);
        // clean = [0.9, 1, 1, 0]; ascending: 0 (j=1) -> 0, 0.9 (j=2) -> 1.8 -> min with 1 = 1,
        // 1 (j=3) -> 4/3 -> 1, 1 (j=4) -> 1
        assert_eq!(q, vec![1.0, 1.0, 1.0, 0.0]);
        assert!(q.iter().all(|v| !v.is_nan()));
    }
}

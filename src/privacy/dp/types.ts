/**
 * Differential privacy for the statistics Bastion publishes about its callers' traffic.
 *
 * **What is protected.** A statistic is a count over audit events (per function, day, outcome,
 * latency bucket). Two datasets are *neighbours* when one is the other plus one subject's
 * contribution: every event of one pseudonym (add/remove, not swap). Each pseudonym's contribution
 * to a count is capped (at most `cap` events, extra events dropped before counting), so adding or
 * removing a subject moves one count by at most `cap` (the L1 sensitivity) and a vector of k such
 * counts by at most `cap * sqrt(k)` in L2. The guarantee is about that subject: anything computed
 * from the released figures is almost as likely whether or not their traffic was counted.
 *
 * **Why discrete.** Counts are integers, so the noise is too: discrete Laplace
 * (`P(x) ∝ exp(-|x|/scale)`) and discrete Gaussian (`P(x) ∝ exp(-x²/(2σ²))`) over the integers.
 * Mironov (2012) showed that the textbook floating-point Laplace (`-b·sign(u)·ln(1-2|u|)` on a
 * double `u`) leaves holes and float residue that reveal the true value; an integer added to an
 * integer leaves none. Both samplers are the exact algorithms of Canonne, Kamath and Steinke (2020),
 * "The Discrete Gaussian for Differential Privacy": parameters are rationals, all arithmetic is
 * integer (BigInt, or Number where the operands are provably safe integers), and every random
 * choice is a uniform integer by rejection sampling from `crypto.getRandomValues`, so the output
 * distribution is exactly the stated one, not an approximation of it. No float enters the sampling
 * path. (No npm package was found that samples these exactly, searching the registry's package
 * list and public code: JS code draws `Math.random()` floats and rounds, the flaw above. The exact
 * references are Steinke's Python, `discretegauss.py`, and OpenDP's Rust, neither usable here.)
 *
 * **Timing.** The samplers are rejection samplers: how long a draw takes depends on the noise it
 * returns, and noise plus the released figure gives the true value. Draw noise where its timing is
 * not observable by the caller (ahead of time, or off the response path), never inline in a
 * request whose latency the caller measures.
 *
 * **Why zCDP.** Each release spends budget, and the budget must add up across many figures and
 * many days. Zero-concentrated DP (Bun and Steinke 2016) composes by simple addition of `rho`,
 * tightly for Gaussian noise: the discrete Gaussian with parameter σ² on a query of L2 sensitivity
 * Δ is `Δ²/(2σ²)`-zCDP (CKS Section 2, as for the continuous Gaussian), and pure ε-DP (the
 * discrete Laplace, ε = Δ/scale) is `ε²/2`-zCDP. So the ledger keeps one number, rho, per tenant
 * and period. For readers who think in (ε, δ), a total rho is reported as ε at a stated δ
 * (`zcdpToApproxDp`, the tight conversion of CKS Section 2.3).
 *
 * **What is not protected.** A subject's events beyond the cap are dropped before counting: heavy
 * users are undercounted, never exposed. DP does not hide anything that is not derived from the
 * noisy figures (a caller's own requests and answers, the audit log, that a tenant exists), nor a
 * group: k subjects acting together are protected only at k times the sensitivity. And it protects
 * only as long as the budget is enforced: unlimited queries average the noise away.
 */

/**
 * An exact rational number `numerator / denominator` in lowest terms with `denominator > 0`.
 * Noise parameters are rationals so that the samplers can compare exactly.
 */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/**
 * The one place randomness comes from: uniform 32-bit words. The default is `cryptoRandom`
 * (`crypto.getRandomValues`, buffered); tests inject a seeded source only where reproducing the
 * same draws is the point.
 */
export interface RandomSource {
  /** A uniformly random integer in [0, 2^32). */
  nextUint32(): number;
}

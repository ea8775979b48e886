import { describe, expect, it } from "vitest";
import { rational, rationalFromDouble } from "./rational";
import { composeRho, gaussianRho, laplaceEpsilon, pureDpRho, sigma2ForRho, zcdpToApproxDp } from "./zcdp";

describe("zcdpToApproxDp", () => {
  // Reference ε produced once with python3 on this machine (/tmp/zref.py, not kept): Steinke's
  // method from cdp2adp.py (bisection on ε of δ(ε), itself minimised over α by bisection on the
  // derivative; Canonne, Kamath and Steinke's companion code), re-typed, and agreeing to 1e-15
  // with a 50-digit mpmath minimisation of the same formula (CKS Section 2.3).
  const reference: [rho: number, delta: number, epsilon: number][] = [
    [0.5, 1e-5, 4.728386984943314],
    [0.125, 1e-6, 2.4190931768671953],
    [1, 1e-6, 7.7662166253117215],
    [0.01, 1e-9, 0.8101744678675342],
    [0.001, 1e-5, 0.15733539316121553],
    [5, 1e-3, 15.45818316600556],
    [0.25, 1e-5, 3.188971158883006],
    [10, 1e-10, 39.22775724780997],
  ];

  it.each(reference)("rho %d, delta %d gives the tight epsilon", (rho, delta, epsilon) => {
    expect(zcdpToApproxDp(rho, delta)).toBeCloseTo(epsilon, 12);
  });

  it.each(reference)("rho %d, delta %d is below the Bun-Steinke bound rho + 2 sqrt(rho log(1/delta))", (rho, delta) => {
    expect(zcdpToApproxDp(rho, delta)).toBeLessThan(rho + 2 * Math.sqrt(rho * Math.log(1 / delta)));
  });

  it("is 0 for rho 0, grows with rho, shrinks with delta", () => {
    expect(zcdpToApproxDp(0, 1e-6)).toBe(0);
    expect(zcdpToApproxDp(0.2, 1e-6)).toBeGreaterThan(zcdpToApproxDp(0.1, 1e-6));
    expect(zcdpToApproxDp(0.1, 1e-3)).toBeLessThan(zcdpToApproxDp(0.1, 1e-6));
    expect(() => zcdpToApproxDp(0.1, 0)).toThrow(RangeError);
    expect(() => zcdpToApproxDp(-1, 1e-6)).toThrow(RangeError);
  });
});

describe("costs", () => {
  it("prices the discrete Gaussian at Δ²/(2σ²) and the discrete Laplace at ε = Δ/scale, ε²/2 in zCDP", () => {
    expect(gaussianRho(1, rational(4))).toBe(0.125);
    expect(gaussianRho(2, rational(25, 4))).toBe(0.32);
    expect(laplaceEpsilon(2, rational(7, 2))).toBeCloseTo(4 / 7, 15);
    expect(pureDpRho(1)).toBe(0.5);
    expect(composeRho(0.125, 0.25, 0.5)).toBe(0.875);
    expect(composeRho()).toBe(0);
  });

  it.each([
    [1, 0.125],
    [2, 0.3],
    [Math.SQRT2, 0.01],
    [3, 1 / 3],
    [1, 1e-7],
    [5, 123.456],
  ])("sigma2ForRho(%d, %d) costs at most rho, exactly, and at most 1e-6 less", (sensitivity, rho) => {
    const sigma2 = sigma2ForRho(sensitivity, rho);
    // Exactly, on the doubles' exact values: Δ²/(2σ²) <= ρ  <=>  Δn²·σd·ρd <= ρn·2σn·Δd².
    const delta = rationalFromDouble(sensitivity);
    const target = rationalFromDouble(rho);
    expect(delta.numerator ** 2n * sigma2.denominator * target.denominator).toBeLessThanOrEqual(
      target.numerator * 2n * sigma2.numerator * delta.denominator ** 2n,
    );
    const achieved = gaussianRho(sensitivity, sigma2);
    expect(achieved).toBeLessThanOrEqual(rho);
    expect(achieved).toBeGreaterThan(rho * (1 - 2e-6));
  });

  it("gives round σ² for round targets", () => {
    expect(sigma2ForRho(1, 0.125)).toEqual(rational(4));
    expect(sigma2ForRho(2, 0.32)).toEqual(rational(25, 4));
  });
});

/**
 * Each postprocessor against ART's (art/defences/postprocessor) formulas. The expected values were
 * worked out with those formulas in NumPy (float64 input), the noise of GaussianNoise fixed.
 */
import { describe, expect, it } from "vitest";
import { applyPolicy, resolvePolicy, secureNormal } from "./policies";

const release = (setting: Record<string, unknown>, scores: number[], noise: number[] = []) => {
  let draw = 0;
  return applyPolicy(resolvePolicy(setting), scores, () => noise[draw++]);
};
const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  for (const [i, x] of actual.entries()) expect(x).toBeCloseTo(expected[i], 12);
};

describe("full", () => {
  it("releases the scores as they are", () => {
    expect(release({ name: "full" }, [0.123456789, 0.876543211])).toEqual([0.123456789, 0.876543211]);
  });
});

describe("rounded (Rounded: np.around)", () => {
  it("rounds to 3 places by default, ties to even as np.around", () => {
    // np.around([0.12345, 0.0125, 0.0135, 0.98765, 0.5], 3) = [0.123, 0.012, 0.014, 0.988, 0.5]
    expect(release({ name: "rounded" }, [0.12345, 0.0125, 0.0135, 0.98765, 0.5])).toEqual([
      0.123, 0.012, 0.014, 0.988, 0.5,
    ]);
  });

  it("rounds to the places asked for", () => {
    // np.around([0.125, 0.135, 0.145], 2) = [0.12, 0.14, 0.14] (0.145 * 100 is 14.499999999999998)
    expect(release({ name: "rounded", decimals: 2 }, [0.125, 0.135, 0.145])).toEqual([0.12, 0.14, 0.14]);
  });
});

describe("label-only (ClassLabels)", () => {
  it("releases the one-hot vector of the top class, the first of equal scores", () => {
    expect(release({ name: "label-only" }, [0.2, 0.7, 0.1])).toEqual([0, 1, 0]);
    expect(release({ name: "label-only" }, [0.4, 0.4, 0.2])).toEqual([1, 0, 0]);
  });

  it("releases 1 for a single output above 0.5, else 0", () => {
    expect(release({ name: "label-only" }, [0.51])).toEqual([1]);
    expect(release({ name: "label-only" }, [0.5])).toEqual([0]);
  });
});

describe("high-confidence (HighConfidence)", () => {
  it("zeroes scores below the cutoff (default 0.25), keeps the rest, does not renormalise", () => {
    expect(release({ name: "high-confidence" }, [0.6, 0.25, 0.15])).toEqual([0.6, 0.25, 0]);
    expect(release({ name: "high-confidence", cutoff: 0.5 }, [0.45, 0.3, 0.25])).toEqual([0, 0, 0]);
  });
});

describe("top-k (not in ART)", () => {
  it("keeps the k highest as they are (default 1), the earlier of equal scores, without renormalising", () => {
    expect(release({ name: "top-k" }, [0.2, 0.5, 0.3])).toEqual([0, 0.5, 0]);
    expect(release({ name: "top-k", k: 2 }, [0.1, 0.3, 0.3, 0.3])).toEqual([0, 0.3, 0.3, 0]);
    expect(release({ name: "top-k", k: 5 }, [0.9, 0.1])).toEqual([0.9, 0.1]);
  });
});

describe("gaussian-noise (GaussianNoise)", () => {
  it("adds scale x N(0, 1), clips a probability vector's negatives and renormalises", () => {
    // preds [0.6, 0.3, 0.1] + noise [0.1, -0.4, 0.05] -> [0.7, 0, 0.15] / 0.85
    close(
      release({ name: "gaussian-noise", scale: 1 }, [0.6, 0.3, 0.1], [0.1, -0.4, 0.05]),
      [0.8235294117647058, 0, 0.17647058823529416],
    );
    // The default scale is 0.2: noise draws of 0.5 and -0.5 move by 0.1.
    close(release({ name: "gaussian-noise" }, [0.5, 0.5], [0.5, -0.5]), [0.6, 0.4]);
  });

  it("leaves logits (not a probability vector) with their noise, as ART does", () => {
    close(release({ name: "gaussian-noise", scale: 1 }, [2, -1, 0.5], [0.1, -0.4, 0.05]), [2.1, -1.4, 0.55]);
  });

  it("clips a single output to [0, 1] (ART clips only below)", () => {
    expect(release({ name: "gaussian-noise", scale: 1 }, [0.9], [-0.95])).toEqual([0]);
    expect(release({ name: "gaussian-noise", scale: 1 }, [0.9], [0.3])).toEqual([1]);
  });

  it("releases the uniform distribution where every score fell below 0 (ART: 0/0)", () => {
    expect(release({ name: "gaussian-noise", scale: 1 }, [0.5, 0.5], [-0.6, -0.7])).toEqual([0.5, 0.5]);
  });

  it("draws its noise from the CSPRNG, standard normal", () => {
    const draws = Array.from({ length: 20_000 }, secureNormal);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(draws.every(Number.isFinite)).toBe(true);
  });
});

describe("reverse-sigmoid (ReverseSigmoid)", () => {
  it("perturbs and renormalises a probability vector with ART's defaults (beta 1, gamma 0.1)", () => {
    close(
      release({ name: "reverse-sigmoid" }, [0.7, 0.2, 0.1]),
      [0.6355238073613384, 0.2196353785803839, 0.14484081405827764],
    );
    close(release({ name: "reverse-sigmoid" }, [0.98, 0.02]), [0.8839142258719445, 0.11608577412805553]);
  });

  it("takes beta and gamma", () => {
    close(
      release({ name: "reverse-sigmoid", beta: 2, gamma: 0.5 }, [0.7, 0.2, 0.1]),
      [0.30240147874509177, 0.3282816570611334, 0.36931686419377496],
    );
  });

  it("clips at ART's 1e-9 for the logarithm but perturbs the score itself", () => {
    close(release({ name: "reverse-sigmoid" }, [1, 0]), [0.6118157696790165, 0.38818423032098354]);
  });

  it("treats a single output as the pair (p, 1 - p), as ART does", () => {
    close(release({ name: "reverse-sigmoid" }, [0.9]), [0.8452893186621929]);
    close(release({ name: "reverse-sigmoid" }, [0.3]), [0.32116978296111126]);
  });
});

describe("settings", () => {
  it("fill in ART's defaults and refuse what ART refuses", () => {
    expect(resolvePolicy({ name: "reverse-sigmoid" })).toEqual({
      name: "reverse-sigmoid",
      version: 1,
      params: { beta: 1, gamma: 0.1 },
    });
    for (const bad of [
      { name: "rounded", decimals: 0 },
      { name: "rounded", decimals: 1.5 },
      { name: "gaussian-noise", scale: 0 },
      { name: "reverse-sigmoid", gamma: -1 },
      { name: "high-confidence", cutoff: 0 },
      { name: "top-k", k: 0 },
      { name: "rounded", places: 2 },
      { name: "softmax" },
    ])
      expect(() => resolvePolicy(bad), JSON.stringify(bad)).toThrow();
  });
});

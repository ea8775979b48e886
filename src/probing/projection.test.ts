import { describe, expect, it } from "vitest";
import { createProjector, distance, NONZEROS_PER_OUTPUT, PROJECTION_DIMENSIONS } from "./projection";

const KEY = new Uint8Array(32).fill(7);

function uniform(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const unit = (length: number, i: number) => {
  const x = new Float32Array(length);
  x[i] = 1;
  return x;
};

describe("the keyed projection", () => {
  it.each([784, 27_648])("keeps distances between %i-dimensional inputs as Johnson-Lindenstrauss says", (length) => {
    const project = createProjector(KEY);
    const random = uniform(length);
    const ratios: number[] = [];
    for (let pair = 0; pair < 200; pair++) {
      const a = Float32Array.from({ length }, random);
      const b = Float32Array.from({ length }, random);
      ratios.push(distance(project(a), project(b)) / distance(a, b));
    }
    // |Rx|^2 / |x|^2 is about chi-square(32)/32: mean 1, standard deviation 0.25.
    const meanSquare = ratios.reduce((sum, r) => sum + r * r, 0) / ratios.length;
    expect(meanSquare).toBeGreaterThan(0.9);
    expect(meanSquare).toBeLessThan(1.1);
    expect(Math.min(...ratios)).toBeGreaterThan(0.4);
    expect(Math.max(...ratios)).toBeLessThan(1.6);
  });

  it("is the same under one key and different under another", () => {
    const input = Float32Array.from({ length: 784 }, uniform(1));
    expect(createProjector(KEY)(input)).toEqual(createProjector(KEY)(input));
    expect(createProjector(new Uint8Array(32).fill(8))(input)).not.toEqual(createProjector(KEY)(input));
  });

  it(`uses every input up to ${NONZEROS_PER_OUTPUT}, and about ${NONZEROS_PER_OUTPUT} per output past that`, () => {
    const dense = createProjector(KEY);
    const scale = 1 / Math.sqrt(PROJECTION_DIMENSIONS);
    for (const i of [0, 400, 783]) {
      for (const value of dense(unit(784, i))) expect(Math.abs(value)).toBeCloseTo(scale, 6);
    }
    const length = 4 * NONZEROS_PER_OUTPUT;
    const perOutput = new Array(PROJECTION_DIMENSIONS).fill(0);
    for (let i = 0; i < length; i++) {
      dense(unit(length, i)).forEach((value, j) => {
        if (value !== 0) perOutput[j]++;
      });
    }
    // Binomial(4096, 1/4) per output: mean 1024, standard deviation 27.7.
    for (const count of perOutput) {
      expect(count).toBeGreaterThan(NONZEROS_PER_OUTPUT - 5 * 28);
      expect(count).toBeLessThan(NONZEROS_PER_OUTPUT + 5 * 28);
    }
  });
});

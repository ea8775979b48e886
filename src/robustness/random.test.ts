import { describe, expect, it } from "vitest";
import { exampleSeed, Random } from "./random";

describe("seeded randomness", () => {
  it("gives the same draws for the same seed, and others for another", () => {
    const draws = (seed: number) => {
      const random = new Random(seed);
      return [random.next(), random.normal(), random.int(0, 10), random.sign(), ...random.permutation(5)];
    };
    expect(draws(42)).toEqual(draws(42));
    expect(draws(43)).not.toEqual(draws(42));
  });

  it("draws uniforms in range, standard normals, and permutations", () => {
    const random = new Random(1);
    const normals = Array.from({ length: 20_000 }, () => random.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    for (let i = 0; i < 1000; i++) {
      const u = random.uniform(-2, 3);
      expect(u >= -2 && u < 3).toBe(true);
      const k = random.int(3, 7);
      expect(k >= 3 && k < 7 && Number.isInteger(k)).toBe(true);
    }
    expect([...random.permutation(50)].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("seeds each example apart from its neighbours", () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => exampleSeed(0, i)));
    expect(seeds.size).toBe(1000);
    expect(exampleSeed(1, 0)).not.toBe(exampleSeed(0, 1));
  });
});

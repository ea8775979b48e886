import { describe, expect, it } from "vitest";
import { Random } from "../random";
import { blockOrder, dctBasis, diagonalOrder } from "./bases";
import { windowFraction } from "./square";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i], 0);

describe("SimBA's directions (ART's simba.py)", () => {
  it("the DCT basis is orthonormal, for images and for 1-D signals", () => {
    for (const layout of [
      { channels: 2, height: 4, width: 6 },
      { channels: 1, height: 1, width: 16 },
    ]) {
      const size = layout.channels * layout.height * layout.width;
      const basis = dctBasis(layout);
      for (let a = 0; a < size; a += 3) {
        for (let b = 0; b < size; b += 5) expect(dot(basis(a), basis(b))).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it("the block order puts the freq_dim x freq_dim lowest frequencies first, then bands stride wide", () => {
    const layout = { channels: 1, height: 8, width: 8 };
    const order = blockOrder(layout, 3, 2, new Random(1));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    const ring = (index: number) => Math.max(Math.floor(index / 8), index % 8);
    expect(order.slice(0, 9).every((i) => ring(i) < 3)).toBe(true);
    expect(order.slice(9, 9 + 16).every((i) => ring(i) >= 3 && ring(i) < 5)).toBe(true);
    expect(blockOrder(layout, 3, 2, new Random(2))).not.toEqual(order);
  });

  it("the diagonal order is ART's diagonal_order for a 3x3 image", () => {
    // ART: order = [[0, 1, 3], [2, 4, 6], [5, 7, 8]], argsort of it flattened.
    expect([...diagonalOrder({ channels: 1, height: 3, width: 3 })]).toEqual([0, 1, 3, 2, 4, 6, 5, 7, 8]);
  });
});

describe("Square's window schedule (ART's _get_percentage_of_elements)", () => {
  it("halves p_init at each of ART's progress marks", () => {
    expect(windowFraction(0, 1000, 0.8)).toBe(0.8);
    expect(windowFraction(1, 1000, 0.8)).toBe(0.8); // 0.001 is still the first interval (bisect_left)
    expect(windowFraction(2, 1000, 0.8)).toBe(0.4);
    expect(windowFraction(100, 1000, 0.8)).toBe(0.8 / 16);
    expect(windowFraction(999, 1000, 0.8)).toBe(0.8 / 512);
  });
});

import { describe, expect, it } from "vitest";
import { parseRational, rational, rationalFromDouble, toNumber } from "./rational";

describe("rationals", () => {
  it("are kept in lowest terms with a positive denominator", () => {
    expect(rational(6, 4)).toEqual({ numerator: 3n, denominator: 2n });
    expect(rational(3, -6)).toEqual({ numerator: -1n, denominator: 2n });
    expect(rational(0, 5)).toEqual({ numerator: 0n, denominator: 1n });
    expect(rational(7n)).toEqual({ numerator: 7n, denominator: 1n });
    expect(() => rational(1, 0)).toThrow(RangeError);
    expect(() => rational(0.5, 1)).toThrow(RangeError);
  });

  it("parse decimal settings and fractions exactly, never through a float", () => {
    expect(parseRational("0.5")).toEqual(rational(1, 2));
    expect(parseRational("0.1")).toEqual(rational(1, 10));
    expect(parseRational(" 12 ")).toEqual(rational(12));
    expect(parseRational("-3.25")).toEqual(rational(-13, 4));
    expect(parseRational("7/2")).toEqual(rational(7, 2));
    expect(parseRational("0.123456789012345678901")).toEqual(rational(123456789012345678901n, 10n ** 21n));
    for (const bad of ["", "1e-3", ".5", "1/0", "abc", "1.2.3", "0x10"]) expect(() => parseRational(bad)).toThrow();
  });

  it("convert a double to its exact value", () => {
    expect(rationalFromDouble(0.375)).toEqual(rational(3, 8));
    // 0.1 is not one tenth: its double is 3602879701896397 / 2^55.
    expect(rationalFromDouble(0.1)).toEqual(rational(3602879701896397n, 2n ** 55n));
    expect(toNumber(rationalFromDouble(Math.PI))).toBe(Math.PI);
    expect(() => rationalFromDouble(Number.NaN)).toThrow(RangeError);
  });
});

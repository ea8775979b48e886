/**
 * Exact rationals for noise parameters: built from integers, from a decimal setting such as
 * "0.5" or a fraction such as "7/2" (never through a float, so "0.1" is exactly 1/10), or from a
 * double exactly (every finite double is a dyadic rational).
 */
import type { Rational } from "./types";

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function toBigInt(value: number | bigint, what: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return BigInt(value);
}

/** `numerator / denominator` in lowest terms; the denominator must not be zero. */
export function rational(numerator: number | bigint, denominator: number | bigint = 1n): Rational {
  let n = toBigInt(numerator, "numerator");
  let d = toBigInt(denominator, "denominator");
  if (d === 0n) throw new RangeError("denominator must not be zero");
  if (d < 0n) [n, d] = [-n, -d];
  const divisor = gcd(n, d) || 1n;
  return { numerator: n / divisor, denominator: d / divisor };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const FRACTION = /^(-?\d+)\/(\d+)$/;

/** A setting written as a decimal ("0.5", "12", "-3.25") or a fraction ("7/2"), exactly. */
export function parseRational(text: string): Rational {
  const trimmed = text.trim();
  const fraction = FRACTION.exec(trimmed);
  if (fraction) return rational(BigInt(fraction[1]), BigInt(fraction[2]));
  const decimal = DECIMAL.exec(trimmed);
  if (!decimal) throw new SyntaxError(`not a decimal or a fraction: ${JSON.stringify(text)}`);
  const [, sign, whole, fractional = ""] = decimal;
  const magnitude = BigInt(whole + fractional);
  return rational(sign ? -magnitude : magnitude, 10n ** BigInt(fractional.length));
}

/** The exact value of a finite double, as a rational (its denominator a power of two). */
export function rationalFromDouble(value: number): Rational {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // Scaling by two is exact, so doubling until the value is an integer keeps it exact.
  let scaled = value;
  let denominator = 1n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    denominator *= 2n;
  }
  return rational(BigInt(scaled), denominator);
}

/** The rational as the nearest double, for accounting and reporting (never for sampling). */
export function toNumber(value: Rational): number {
  return Number(value.numerator) / Number(value.denominator);
}

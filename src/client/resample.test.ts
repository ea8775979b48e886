import { describe, expect, it } from "vitest";
import { Resampler } from "./resample";

function sine(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate),
  );
}

/** Amplitude of `frequency` in `samples` (least-squares fit of a sine and cosine) and the RMS of the rest. */
function analyse(samples: Float32Array, frequency: number, rate: number) {
  let cos = 0;
  let sin = 0;
  for (let i = 0; i < samples.length; i++) {
    cos += samples[i] * Math.cos((2 * Math.PI * frequency * i) / rate);
    sin += samples[i] * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  const [a, b] = [(2 * cos) / samples.length, (2 * sin) / samples.length];
  let residual = 0;
  for (let i = 0; i < samples.length; i++) {
    const fitted =
      a * Math.cos((2 * Math.PI * frequency * i) / rate) + b * Math.sin((2 * Math.PI * frequency * i) / rate);
    residual += (samples[i] - fitted) ** 2;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(residual / samples.length) };
}

function resampleAll(input: Float32Array, from: number, to: number, chunkSizes: number[] = [input.length]) {
  const resampler = new Resampler(from, to);
  const parts: Float32Array[] = [];
  for (let offset = 0, i = 0; offset < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length];
    parts.push(resampler.push(input.subarray(offset, offset + size)));
    offset += size;
  }
  parts.push(resampler.flush());
  const output = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}

/** Leaves out the edges, where the stream starts from and ends in silence. */
const middle = (samples: Float32Array) => samples.subarray(200, samples.length - 200);

describe("Resampler", () => {
  it.each([
    [48_000, 1000],
    [22_050, 440],
    [44_100, 3000],
    [8000, 1000],
  ])("keeps a sine's frequency and amplitude from %i Hz to 16 kHz (%i Hz tone)", (rate, frequency) => {
    const output = resampleAll(sine(frequency, rate, 1), rate, 16_000);
    expect(output.length).toBe(16_000);
    const { amplitude, residualRms } = analyse(middle(output), frequency, 16_000);
    expect(amplitude).toBeCloseTo(0.5, 2);
    expect(residualRms).toBeLessThan(0.005);
  });

  it.each([
    [48_000, 10_000],
    [48_000, 15_000],
    [22_050, 9000],
  ])("removes what 16 kHz cannot hold instead of aliasing it: %i Hz with a %i Hz tone", (rate, frequency) => {
    const output = resampleAll(sine(frequency, rate, 1), rate, 16_000);
    const rms = Math.sqrt(middle(output).reduce((sum, x) => sum + x * x, 0) / middle(output).length);
    // 0.35 RMS in; at most 0.1% of it (-60 dB) survives.
    expect(rms).toBeLessThan(0.00035);
  });

  it("gives the same output however the input is cut into chunks", () => {
    const input = sine(700, 22_050, 0.5);
    const whole = resampleAll(input, 22_050, 16_000);
    expect(resampleAll(input, 22_050, 16_000, [1, 333, 7, 1024, 50])).toEqual(whole);
    expect(resampleAll(input, 22_050, 16_000, [128])).toEqual(whole);
  });

  it("keeps time: an impulse comes out at the same instant (no delay)", () => {
    const input = new Float32Array(48_000);
    input[24_000] = 1; // 0.5 s
    const output = resampleAll(input, 48_000, 16_000);
    const peak = output.indexOf(Math.max(...output));
    expect(peak).toBe(8000);
  });

  it("passes 16 kHz through unchanged", () => {
    const input = sine(1000, 16_000, 0.1);
    expect(resampleAll(input, 16_000, 16_000, [100])).toEqual(input);
  });

  it("refuses a sample rate that is not a positive number", () => {
    expect(() => new Resampler(0, 16_000)).toThrow(RangeError);
    expect(() => new Resampler(Number.NaN, 16_000)).toThrow(RangeError);
  });
});

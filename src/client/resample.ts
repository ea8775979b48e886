/**
 * Streaming sample-rate conversion by band-limited (windowed-sinc) interpolation, as in J. O.
 * Smith's "Digital Audio Resampling": each output sample is the input around its instant weighed
 * by a sinc low-pass under a Blackman window. When downsampling, the low-pass sits below the new
 * Nyquist frequency, so what the lower rate cannot hold (8-11 kHz of 22.05 kHz audio, 8-24 kHz of
 * 48 kHz microphone audio) is removed instead of folding back into the 0-8 kHz band the VAD
 * model hears, as linear interpolation or averaging (vad-web's resampler) would let it. The
 * kernel is symmetric, so output times line up with input times (no delay to correct for).
 */

/** Zero crossings of the sinc on each side: the filter's length, and so its steepness. */
const ZERO_CROSSINGS = 32;
/**
 * The cutoff as a fraction of the lower rate's Nyquist frequency: low enough that the window's
 * transition band (~5.5 / length) ends at Nyquist, so nothing above it aliases.
 */
const ROLLOFF = 0.92;
/** Kernel table entries per input sample; between entries the kernel is interpolated linearly. */
const TABLE_RESOLUTION = 128;

export class Resampler {
  /** Input samples each output sample depends on, on each side of its instant. */
  private readonly reach: number;
  private readonly kernel: Float32Array;
  /** Input not yet consumed, starting at input index `bufferStart` (negative: silence before the start). */
  private buffer: Float32Array;
  private bufferStart: number;
  private received = 0;
  private produced = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    if (!(inputRate > 0 && outputRate > 0 && Number.isFinite(inputRate) && Number.isFinite(outputRate))) {
      throw new RangeError(`sample rates must be positive numbers, not ${inputRate} and ${outputRate}`);
    }
    const cutoff = Math.min(1, outputRate / inputRate) * ROLLOFF;
    const halfWidth = ZERO_CROSSINGS / cutoff;
    this.reach = Math.ceil(halfWidth);
    this.kernel = lowPassTable(cutoff, halfWidth);
    this.buffer = new Float32Array(this.reach);
    this.bufferStart = -this.reach;
  }

  /** The output samples the input so far determines. */
  push(chunk: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return chunk.slice();
    this.received += chunk.length;
    this.append(chunk);
    return this.drain();
  }

  /** The rest of the output, taking the input to be silent after its end. */
  flush(): Float32Array {
    if (this.inputRate === this.outputRate) return new Float32Array(0);
    this.append(new Float32Array(this.reach));
    return this.drain(Math.ceil((this.received * this.outputRate) / this.inputRate));
  }

  private append(chunk: Float32Array) {
    this.buffer = concatSamples(this.buffer, chunk);
  }

  private drain(limit = Number.POSITIVE_INFINITY): Float32Array {
    const output: number[] = [];
    const available = this.bufferStart + this.buffer.length;
    while (this.produced < limit) {
      const instant = (this.produced * this.inputRate) / this.outputRate;
      if (Math.floor(instant) + this.reach >= available) break;
      output.push(this.sampleAt(instant));
      this.produced++;
    }
    // Keep only what later output samples still need.
    const keepFrom = Math.floor((this.produced * this.inputRate) / this.outputRate) - this.reach + 1;
    if (keepFrom > this.bufferStart) {
      this.buffer = this.buffer.slice(keepFrom - this.bufferStart);
      this.bufferStart = keepFrom;
    }
    return Float32Array.from(output);
  }

  private sampleAt(instant: number): number {
    const center = Math.floor(instant);
    let sum = 0;
    let weight = 0;
    for (let index = center - this.reach + 1; index <= center + this.reach; index++) {
      const tap = this.tap(instant - index);
      sum += tap * this.buffer[index - this.bufferStart];
      weight += tap;
    }
    // Dividing by the taps' sum makes the gain exactly 1 at DC for every fractional position.
    return sum / weight;
  }

  private tap(distance: number): number {
    const position = Math.abs(distance) * TABLE_RESOLUTION;
    const index = Math.floor(position);
    if (index + 1 >= this.kernel.length) return 0;
    const fraction = position - index;
    return this.kernel[index] + fraction * (this.kernel[index + 1] - this.kernel[index]);
  }
}

/** sinc(cutoff * d) under a Blackman window of half-width `halfWidth`, tabulated for d >= 0. */
function lowPassTable(cutoff: number, halfWidth: number): Float32Array {
  const table = new Float32Array(Math.ceil(halfWidth * TABLE_RESOLUTION) + 2);
  for (let i = 0; i < table.length; i++) {
    const d = i / TABLE_RESOLUTION;
    if (d >= halfWidth) break;
    const x = Math.PI * cutoff * d;
    const sinc = x === 0 ? 1 : Math.sin(x) / x;
    const t = d / halfWidth;
    table[i] = sinc * (0.42 + 0.5 * Math.cos(Math.PI * t) + 0.08 * Math.cos(2 * Math.PI * t));
  }
  return table;
}

export function concatSamples(a: Float32Array, b: Float32Array): Float32Array {
  const joined = new Float32Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * `rounded`, ART's Rounded: every score to `decimals` places (default 3), as `np.around` does it:
 * scaled by 10^decimals, rounded half to even (`rint`), scaled back. So 0.0125 goes to 0.012 and
 * 0.0135 to 0.014, like ART, where `Math.round` would give 0.013 and 0.014.
 */
import { z } from "zod";
import { definePostprocessor } from "./types";

export const rounded = definePostprocessor({
  name: "rounded",
  version: 1,
  // ART requires a positive integer; past 15 places a float64 holds nothing more.
  params: z.object({ decimals: z.number().int().min(1).max(15).default(3) }).strict(),
  apply: (scores, { decimals }) => {
    const scale = 10 ** decimals;
    return scores.map((x) => roundHalfToEven(x * scale) / scale);
  },
});

/** NumPy's `rint`: to the nearest integer, and a tie to the even one. */
function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

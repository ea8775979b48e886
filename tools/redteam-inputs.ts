/**
 * Inputs for `npm run redteam -- --inputs FILE` against the served functions, exactly labelled:
 *
 *   node --import tsx tools/redteam-inputs.ts text-orientation N   rendered lines, upright (0) and turned over (1)
 *   node --import tsx tools/redteam-inputs.ts vad N                 espeak-ng speech frames (1) and silent ones (0)
 *   node --import tsx tools/redteam-inputs.ts text-detect N         rendered lines on a 128x64 page (no label: the count found)
 *
 * The pictures and speech are the tests' own (test/images.ts, test/wav.ts), preprocessed as the
 * functions do, so the attack perturbs what the model would see.
 */
import { MEAN, STD } from "../functions/text-detect";
import { lineTensor } from "../functions/text-orientation";
import { Resampler } from "../src/client/resample";
import { toBgrPlanar } from "../src/images/resize";
import { drawText, onPage, rotate180 } from "../test/images";
import { speak } from "../test/wav";

/** Words test/images.ts can draw (its glyphs: a b d e g h l o p r t y and space). */
const LINES = ["hold the", "paper", "by the edge", "a red dog", "hello there", "the road", "good day", "a tall tree"];
const FRAME = 512;
/** A frame is speech when loud enough: RMS above this, in espeak-ng's voiced stretches. */
const SPEECH_RMS = 0.05;

type Item = { data: number[]; label?: number };

const orientation = (count: number): Item[] =>
  Array.from({ length: count }, (_, i) => {
    const line = drawText(LINES[Math.floor(i / 2) % LINES.length]);
    return { data: Array.from(lineTensor(i % 2 ? rotate180(line) : line)), label: i % 2 };
  });

/** Alternately a loud frame of speech and a frame of silence, each first of its stream at 16 kHz. */
function vad(count: number): Item[] {
  const spoken = speak(LINES.join(", "));
  const resampler = new Resampler(spoken.sampleRate, 16_000);
  const samples = Float32Array.of(...resampler.push(spoken.samples), ...resampler.flush());
  const loud: Float32Array[] = [];
  for (let start = 0; start + FRAME <= samples.length; start += FRAME) {
    const frame = samples.subarray(start, start + FRAME);
    if (Math.sqrt(frame.reduce((s, v) => s + v * v, 0) / FRAME) > SPEECH_RMS) loud.push(frame);
  }
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { data: Array.from(loud[(Math.floor(i / 2) * 3) % loud.length]), label: 1 }
      : { data: new Array(FRAME).fill(0), label: 0 },
  );
}

/** Words of the lines, each short enough for the page (6 letters at scale 3 fill 113 of its 128 pixels). */
const WORDS = [...new Set(LINES.join(" ").split(" "))].filter((w) => w.length > 1);

const textDetect = (count: number): Item[] =>
  Array.from({ length: count }, (_, i) => ({
    data: Array.from(toBgrPlanar(onPage(drawText(WORDS[i % WORDS.length]), 128, 64, 6, 12), MEAN, STD)),
  }));

const MAKERS: Record<string, (count: number) => Item[]> = {
  "text-orientation": orientation,
  vad,
  "text-detect": textDetect,
};
const [name, countText = "10"] = process.argv.slice(2);
const make = MAKERS[name];
if (!make) {
  console.error(`usage: node --import tsx tools/redteam-inputs.ts ${Object.keys(MAKERS).join("|")} [COUNT]`);
  process.exit(2);
}
console.log(JSON.stringify(make(Number(countText))));

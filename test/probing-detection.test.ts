/**
 * The probing detector, measured as the README states it: traces of real HopSkipJump, Square and
 * SimBA runs against the digits model (onnxruntime-node on the recipe's own model, the same bytes
 * the worker serves) are replayed through the detector as one principal each, and benign traffic
 * (the digits test split in random order, from many principals) is replayed the same way.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import textOrientation, { lineTensor } from "../functions/text-orientation";
import vad from "../functions/vad";
import { loadDigits, PIXELS } from "../models/digits/dataset";
import { trainedModel } from "../models/trained";
import { Resampler } from "../src/client/resample";
import { parseManifest } from "../src/models/manifest";
import { DEFAULT_PROBING_POLICY } from "../src/probing/policy";
import { createProjector } from "../src/probing/projection";
import { type RecordedQuery, type ReplayResult, replay } from "../src/probing/replay";
import type { ProbingPolicy } from "../src/probing/types";
import type { AttackName } from "../src/robustness/attacks";
import { Random } from "../src/robustness/random";
import { runAttack } from "../src/robustness/run";
import { type OnnxTarget, onnxTarget } from "../src/robustness/targets/onnx";
import { recordingClassifier } from "../src/robustness/targets/recording";
import { drawText, rotate180 } from "./images";
import { manifestOf, ortNode, referenceRun } from "./reference";
import { padWithSilence, speak } from "./wav";

const manifest = parseManifest(JSON.parse(readFileSync("models/digits.json", "utf8")));
/** Fixed keys, so a run can be reproduced; the deployment's own comes from STATE_KEY. */
const KEYS = [1, 2, 3].map((k) => new Uint8Array(32).fill(k * 41));
const project = createProjector(KEYS[0]);
/** Queries within which every attack must be flagged, and benign traffic's largest flagged share. */
const FLAGGED_WITHIN = DEFAULT_PROBING_POLICY.minObservations;
const BENIGN_FLAGGED_AT_MOST = 0.01;

let target: OnnxTarget;
let digits: ReturnType<typeof loadDigits>;

beforeAll(async () => {
  if (!("recipe" in manifest.source)) throw new Error("the digits manifest names no recipe");
  const { bytes } = await trainedModel(manifest.id, manifest.source);
  target = await onnxTarget(bytes, { clip: [0, 1], shape: [1, 28, 28] });
  digits = loadDigits(manifest.source.dataset, manifest.source.seed);
});

const testDigit = (i: number) => digits.test.x.slice(i * PIXELS, (i + 1) * PIXELS);

/** Benign principals' replays added up, and what every benign run must show. */
class BenignTally {
  private flagged = 0;
  private queries = 0;
  private principals = 0;
  private principalsFlagged = 0;
  private principalsHindered = 0;

  add(result: ReplayResult) {
    this.flagged += result.flagged;
    this.queries += result.queries;
    this.principals++;
    if (result.flagged > 0) this.principalsFlagged++;
    if (result.firstReached["label-only"] !== undefined) this.principalsHindered++;
  }

  expectHonest(what: string) {
    console.log(
      `probing detection: benign ${what} flagged ${this.flagged} of ${this.queries} queries; ` +
        `${this.principalsFlagged} of ${this.principals} principals flagged at least once`,
    );
    expect(this.flagged / this.queries).toBeLessThan(BENIGN_FLAGGED_AT_MOST);
    // A flag alone only marks the audit log; no honest caller may lose scores to it.
    expect(this.principalsHindered).toBe(0);
  }
}

describe("the probing detector on digits", () => {
  // Square at its default eps (0.3) fools this small model in a query or two: nothing to detect,
  // and nothing any query-pattern detector could. At 0.05 it has to search.
  it.each([
    ["hsj", "2", undefined],
    ["square", "inf", 0.05],
    ["simba", "2", undefined],
  ] as [AttackName, "2" | "inf", number | undefined][])(
    "flags a %s run (norm %s, eps %s) within its first queries",
    async (attack, norm, eps) => {
      const recording = recordingClassifier(target);
      const examples = [0, 1, 2].map((i) => ({ data: testDigit(i), label: digits.test.labels[i] }));
      await runAttack(recording, examples, { attack, norm, eps, seed: 7, queries: 1000, concurrency: 1 });
      const result = replay(recording.trace, project, DEFAULT_PROBING_POLICY);
      console.log(
        `probing detection: ${attack} (${result.queries} queries) reached ${JSON.stringify(result.firstReached)}`,
      );
      expect(result.firstReached.flagged).toBeLessThanOrEqual(FLAGGED_WITHIN);
      expect(result.firstReached.stopped).toBeDefined();
    },
  );

  it(`flags benign traffic (the test split in random order, 40 principals, three keys) at most ${BENIGN_FLAGGED_AT_MOST * 100}% of the time`, async () => {
    const random = new Random(11);
    const tally = new BenignTally();
    for (const key of KEYS) {
      const keyed = createProjector(key);
      for (let principal = 0; principal < 40; principal++) {
        const picks = Array.from({ length: 300 }, () => random.int(0, digits.test.count));
        const scores = await target.predict(picks.map(testDigit));
        const trace: RecordedQuery[] = picks.map((pick, i) => ({ input: testDigit(pick), scores: scores[i] }));
        tally.add(replay(trace, keyed, DEFAULT_PROBING_POLICY));
      }
    }
    tally.expectHonest("digits");
  });
});

const SENTENCES = [
  "hold the paper by the edge",
  "the quick brown fox jumps over the lazy dog",
  "please call me back when you get this message",
  "turn left at the second traffic light",
  "we will meet at noon on the north side of the station",
  "how much does a ticket to the coast cost",
];

describe("the probing detector on vad", () => {
  it("barely flags real speech streamed frame by frame, from many principals", async () => {
    const silero = await manifestOf("silero-vad");
    const random = new Random(5);
    const tally = new BenignTally();
    for (let principal = 0; principal < 12; principal++) {
      // Two sentences with pauses between them, and a microphone's noise floor.
      const first = padWithSilence(speak(SENTENCES[principal % SENTENCES.length]), 0.5, 0.8);
      const second = padWithSilence(speak(SENTENCES[(principal + 1) % SENTENCES.length]), 0, 1);
      const samples = new Resampler(first.sampleRate, 16_000).push(
        Float32Array.from([...first.samples, ...second.samples], (x) => x + 0.002 * random.normal()),
      );
      const trace: RecordedQuery[] = [];
      let state: Float32Array = new Float32Array(256);
      for (let offset = 0; offset + 512 <= samples.length; offset += 512) {
        const frame = samples.slice(offset, offset + 512);
        const out = await referenceRun(silero, {
          input: new ortNode.Tensor("float32", frame, [1, 512]),
          state: new ortNode.Tensor("float32", state, [2, 1, 128]),
          sr: new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []),
        });
        state = out.stateN.data as Float32Array;
        trace.push({ input: frame, scores: out.output.data as Float32Array });
      }
      tally.add(replay(trace, project, vad.probing as ProbingPolicy));
    }
    tally.expectHonest("speech frames");
  });
});

/** Words the test font can draw (test/images.ts). */
const WORDS = [
  "hold",
  "the",
  "paper",
  "by",
  "edge",
  "told",
  "her",
  "bold",
  "gray",
  "tether",
  "dry",
  "goal",
  "the",
  "deep",
  "year",
];

describe("the probing detector on text-orientation", () => {
  it("barely flags rendered lines of text, upright and turned over, from many principals", async () => {
    const cls = await manifestOf("ppocr-cls");
    const random = new Random(13);
    const tally = new BenignTally();
    for (let principal = 0; principal < 12; principal++) {
      const trace: RecordedQuery[] = [];
      for (let line = 0; line < 150; line++) {
        const words = Array.from({ length: random.int(2, 6) }, () => WORDS[random.int(0, WORDS.length)]);
        const drawn = drawText(words.join(" "), random.int(2, 5), random.int(2, 12));
        const image = random.next() < 0.5 ? rotate180(drawn) : drawn;
        const tensor = lineTensor(image);
        const out = await referenceRun(cls, { x: new ortNode.Tensor("float32", tensor, [1, 3, 48, 192]) });
        trace.push({ input: tensor, scores: out["softmax_0.tmp_0"].data as Float32Array });
      }
      tally.add(replay(trace, project, textOrientation.probing as ProbingPolicy));
    }
    tally.expectHonest("text lines");
  });
});

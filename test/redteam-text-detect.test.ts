/**
 * text-detect under attack, over `/v1` against the real worker with a redteam token: the label is
 * the number of boxes found, and an attack succeeds when it changes. One rendered line, small budgets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEAN, STD } from "../functions/text-detect";
import { toBgrPlanar } from "../src/images/resize";
import { summarize } from "../src/robustness/metrics";
import { runAttack } from "../src/robustness/run";
import { MAX_BOXES, textDetectTarget } from "../src/robustness/targets/text-detect";
import { drawText, onPage } from "./images";
import { startWorker, type TestWorker, tokenWithScopes } from "./worker";

const RATE_LIMITS = { tiers: { redteam: { "*": { limit: 100_000, window: "1 m" } } } };
/** A page of 128x64 (multiples of 32, as the model takes them) with one line of text. */
const [WIDTH, HEIGHT] = [128, 64];

describe("text-detect as a target: the box count as the label", () => {
  let worker: TestWorker;
  let token: string;

  beforeAll(async () => {
    worker = await startWorker({ vars: { RATE_LIMITS: JSON.stringify(RATE_LIMITS) } });
    token = await tokenWithScopes("infer:text-detect", { sub: "redteam", tier: "redteam" });
  });
  afterAll(() => worker?.dispose());

  it("Square (L-inf, eps 1) changes the box count of a rendered line within 60 queries", async () => {
    const target = textDetectTarget({ baseUrl: worker.url.href, token, height: HEIGHT, width: WIDTH });
    const page = onPage(drawText("paper"), WIDTH, HEIGHT, 10, 12);
    const data = toBgrPlanar(page, MEAN, STD);
    const [clean] = await target.predict([data]);
    expect(clean.length).toBe(MAX_BOXES + 1);
    expect(clean.indexOf(1)).toBeGreaterThanOrEqual(1); // the line is found

    const run = await runAttack(target, [{ data }], { attack: "square", norm: "inf", eps: 1, queries: 60, seed: 1 });
    const [result] = run.results;
    console.log(
      `text-detect square: ${JSON.stringify(summarize(run.results))}; ${target.requests} requests, ${run.durationMs} ms`,
    );
    expect(result.queries).toBeLessThanOrEqual(60);
    expect(result.linf).toBeLessThanOrEqual(1 + 1e-6);
    expect(target.requests).toBe(1 + result.queries);
    // Seeded, and the model is deterministic: 22 queries find a count of 0 for the line's 1.
    expect(result.success).toBe(true);
    expect(result.adversarialLabel).not.toBe(result.prediction);
  });
});

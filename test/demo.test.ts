import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode } from "fast-png";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServer, startDemoServer } from "../tools/demo-server";
import { freePort } from "../tools/free-port";
import { ROOT } from "../tools/local-state";
import { onPath } from "../tools/system-tools";
import { findChromium, launchChromium } from "./chromium";
import { drawText, onPage, pngBase64 } from "./images";
import { type SpokenWav, speakToWav } from "./spoken-wav";
import { startWorker, type TestWorker, tokenWithScopes } from "./worker";

const SCREENSHOT = path.join(ROOT, "test-results", "demo.png");
/** Waits on conditions only; this long because the first model load is slow on a busy machine. */
const PATIENCE = { timeout: 150_000 };
/** vad-web's redemption time, which the client's segments include at their end (src/client/speech-segments.ts). */
const REDEMPTION_S = 1.4;

const chromiumPath = findChromium();
const missing = [
  chromiumPath ? [] : ["chromium"],
  onPath("espeak-ng", process.env.PATH ?? "") ? [] : ["espeak-ng"],
].flat();
if (missing.length > 0) {
  console.warn(
    `test/demo.test.ts skipped: it needs ${missing.join(" and ")} on the PATH. npm test's pretest installs them ` +
      "(tools/system-tools.ts); elsewhere: apt-get install -y chromium espeak-ng.",
  );
}

interface Listed {
  start: number;
  end: number;
  text: string;
}

describe.skipIf(missing.length > 0)("the web demo in Chromium, on another origin", () => {
  let dir: string;
  let speech: SpokenWav;
  let worker: TestWorker | undefined;
  let demo: DemoServer | undefined;
  let stranger: DemoServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "bastion-demo-"));
    speech = speakToWav("The quick brown fox jumps over the lazy dog.", path.join(dir, "speech.wav"));
    const port = await freePort();
    // The default rate limits: a live microphone (31 frames a second) must get through them.
    worker = await startWorker({ vars: { CORS_ORIGINS: `http://127.0.0.1:${port}` } });
    demo = await startDemoServer({ port, workerUrl: worker.url.href });
    stranger = await startDemoServer({ port: 0, workerUrl: worker.url.href });
    browser = await launchChromium(chromiumPath as string, speech.path);
    token = await tokenWithScopes("infer:* models:read", { exp: Math.floor(Date.now() / 1000) + 1800 });
    page = await openDemo(browser, demo.url, token);
  });

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), demo?.close(), stranger?.close(), worker?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("points at the worker it was served for, and lists the functions the token may call", async () => {
    expect(await page.inputValue("#base-url")).toBe(worker?.url.href);
    await page.click("#check");
    await page.locator("#connection-status", { hasText: "may call" }).waitFor(PATIENCE);
    expect(await page.textContent("#connection-status")).toMatch(/vad, text-orientation, text-detect/);
  });

  it("shows the worker's refusal with its status, code and request id", async () => {
    await page.fill("#token", "not-a-token");
    await page.click("#check");
    const error = await page.waitForSelector("#errors li", PATIENCE);
    expect(await error.getAttribute("data-status")).toBe("401");
    expect(await error.getAttribute("data-code")).toBe("invalid_token");
    expect(await error.getAttribute("data-request-id")).toMatch(/\S/);
    expect(await error.textContent()).toMatch(/^functions: 401 · invalid_token · request id \S+: /);
    await page.fill("#token", token);
    await page.click("#check");
    await page.locator("#connection-status", { hasText: "may call" }).waitFor(PATIENCE);
  });

  it("finds the speech in a WAV file where it was spoken", async () => {
    await page.setInputFiles("#wav-file", speech.path);
    await finished(page, "#speech-status");
    expect(await page.textContent("#speech-status")).toMatch(/done/);
    const segments = await listedSegments(page);
    console.log(`demo test: WAV speech at ${range(speech.speech)} s; page lists ${JSON.stringify(segments)}`);
    expect(segments).toHaveLength(1);
    const [segment] = segments;
    expect(segment.text).toMatch(/^speech \d+\.\d\d s – \d+\.\d\d s$/);
    // Starts within a frame or few of the first word; ends with the file (the redemption time
    // after the last word is longer than the silence that follows it).
    expect(Math.abs(segment.start - speech.speech.start)).toBeLessThan(0.3);
    expect(segment.end).toBeGreaterThan(speech.speech.end);
    expect(segment.end).toBeLessThanOrEqual(speech.duration + 0.01);
  });

  it("hears the fake microphone's looping speech, one segment a loop, where the speech is", async () => {
    await page.click("#mic-start");
    // A segment that starts with the recording may have begun before the microphone was on; one
    // that starts later than the sentence's longest pause began with the sentence.
    const whole = (segments: Listed[]) => segments.filter(({ start }) => start > 0.5);
    await expect.poll(async () => whole(await listedSegments(page)).length, PATIENCE).toBeGreaterThanOrEqual(2);
    await page.click("#mic-stop");
    await finished(page, "#speech-status");
    expect(await page.textContent("#speech-status")).toMatch(/microphone: done/);
    const segments = await listedSegments(page);
    console.log(
      `demo test: microphone loop ${speech.duration.toFixed(2)} s with speech at ${range(speech.speech)} s; ` +
        `page lists ${JSON.stringify(segments)}`,
    );
    // Where in its loop the microphone began is unknown, so check what does not depend on it: the
    // first two whole segments closed on their own, each spans the words plus the redemption
    // time, and they are one loop apart.
    const [first, second] = whole(segments);
    const spoken = speech.speech.end - speech.speech.start;
    for (const { start, end } of [first, second]) {
      // The model hears the last syllable fade a little past the last loud sample.
      expect(end - start).toBeGreaterThan(spoken + REDEMPTION_S - 0.3);
      expect(end - start).toBeLessThan(spoken + REDEMPTION_S + 0.8);
    }
    expect(Math.abs(second.end - first.end - speech.duration)).toBeLessThan(0.5);
    expect(Math.abs(second.start - first.start - speech.duration)).toBeLessThan(0.5);
  });

  it("outlines the text of an uploaded image and asks each line's orientation", async () => {
    const image = path.join(dir, "page.png");
    writeFileSync(
      image,
      Buffer.from(pngBase64(onPage(drawText("hold the paper by the edge"), 640, 320, 100, 150)), "base64"),
    );
    await page.setInputFiles("#image-file", image);
    await finished(page, "#text-status");
    expect(await page.textContent("#text-status")).toMatch(/done/);
    expect(await page.getAttribute("#text-canvas", "data-boxes")).toBe("1");
    expect(await page.textContent("#text-count")).toBe("1 text box");
    // The box drawn in red over the image, around where the line was drawn.
    expect(await redPixels(page)).toBeGreaterThan(100);
    const lines = await page.$$eval("#text-lines li", (items) =>
      items.map((item) => ({ orientation: item.dataset.orientation, text: item.textContent })),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].orientation).toMatch(/^(0|180)$/);
    expect(lines[0].text).toMatch(/^#1 at \d+,\d+ \d+x\d+ \(score 0\.\d\d\): (upright|upside down) \((0|180)°/);
  });

  it("takes a screenshot of the whole page", async () => {
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`demo test: screenshot in ${SCREENSHOT}`);
    expect(readFileSync(SCREENSHOT).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  it("cannot reach the worker from an origin that CORS_ORIGINS does not list", async () => {
    const strangerPage = await openDemo(browser as Browser, stranger?.url as string, token);
    const image = path.join(dir, "word.png");
    writeFileSync(image, Buffer.from(pngBase64(onPage(drawText("hold"), 128, 64, 20, 20)), "base64"));
    await strangerPage.setInputFiles("#image-file", image);
    const error = await strangerPage.waitForSelector("#errors li", PATIENCE);
    // The browser withholds the answer (the preflight got no CORS headers): no status, no body.
    expect(await error.getAttribute("data-code")).toBe("network_error");
    expect(await error.getAttribute("data-status")).toBeNull();
    expect(await strangerPage.getAttribute("#text-canvas", "data-boxes")).toBeNull();
    await strangerPage.close();
  });
});

async function openDemo(browser: Browser, url: string, token: string): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (error) => console.error(`demo page error: ${error.message}`));
  await page.goto(url);
  await page.fill("#token", token);
  return page;
}

function listedSegments(page: Page): Promise<Listed[]> {
  return page.$$eval("#speech-segments li", (items) =>
    items.map((item) => ({
      start: Number(item.dataset.start),
      end: Number(item.dataset.end),
      text: item.textContent ?? "",
    })),
  );
}

/** A panel's status line says it is done, or stopped by an error. */
function finished(page: Page, status: string): Promise<void> {
  return page.locator(status, { hasText: /done|error/ }).waitFor(PATIENCE);
}

/** Pixels of the boxes' red in a screenshot of the text canvas. */
async function redPixels(page: Page): Promise<number> {
  const { data, channels } = decode(await page.locator("#text-canvas").screenshot());
  let red = 0;
  for (let i = 0; i < data.length; i += channels) if (data[i] > 200 && data[i + 1] < 110 && data[i + 2] < 110) red++;
  return red;
}

function range({ start, end }: { start: number; end: number }): string {
  return `${start.toFixed(2)}–${end.toFixed(2)}`;
}

/**
 * The operator's page in Chromium (`npm run console`): it lists every function with its versions
 * and their signatures, the audit log verified with its volume per hour, and, once an operator
 * stops a function from the CLI, shows it stopped. No subject appears on it. A screenshot is kept
 * in test-results/console.png.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../functions";
import { startConsoleServer } from "../tools/console-server";
import { ROOT } from "../tools/local-state";
import { drained } from "./audit-log";
import { findChromium, launchHeadless } from "./chromium";
import { operatorCli, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const SCREENSHOT = path.join(ROOT, "test-results", "console.png");
const chromiumPath = findChromium();

describe("the operator's page", () => {
  let worker: TestWorker;
  let console_: Awaited<ReturnType<typeof startConsoleServer>>;
  let browser: Browser | undefined;
  let adminToken: string;

  beforeAll(async () => {
    worker = await startWorker();
    adminToken = await tokenWithScopes("admin", { sub: "operator-ann" });
    console_ = await startConsoleServer({ base: worker.url.href, token: adminToken });
  });
  afterAll(async () => {
    await browser?.close();
    await console_?.close();
    await worker?.dispose();
  });

  it("answers only GET, and only for an admin token", async () => {
    expect((await fetch(new URL("/overview", console_.url), { method: "POST" })).status).toBe(405);
    const asCaller = await worker.fetch("/v1/admin/overview", {
      headers: { authorization: `Bearer ${await tokenWithScopes("infer:*")}` },
    });
    expect(asCaller.status).toBe(403);
  });

  it.skipIf(!chromiumPath)("shows functions, signatures and the audit log, and a stop taken from the CLI", async () => {
    const caller = { authorization: `Bearer ${await tokenWithScopes("infer:*", { sub: "alice-the-caller" })}` };
    for (let i = 0; i < 3; i++) {
      const answer = await postJson(worker, "/v1/functions/vad", { audio: new Array(512).fill(0) }, caller);
      expect(answer.status).toBe(200);
    }
    await drained(worker, 3);

    browser = await launchHeadless(chromiumPath as string);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const show = async () => {
      await page.goto(console_.url);
      await page.waitForSelector("body[data-ready=true]");
    };
    await show();
    for (const fn of functions) {
      const row = page.locator(`tr[data-function="${fn.name}"]`);
      await expect(row.locator("td").nth(1).textContent()).resolves.toBe("serving");
      const versions = await row.locator("td").nth(4).textContent();
      for (const model of fn.versions)
        expect(versions).toContain(`${model.id}@${model.version}: signed by bastion-release`);
      // The model card, every section of Mitchell et al. (opened on demand).
      const card = row.locator("td").first().locator("details p");
      expect(await card.count()).toBe(9);
      expect(await card.nth(1).textContent()).toContain(fn.model.card.intendedUse);
    }
    const audit = await page.locator("#audit").textContent();
    expect(audit).toMatch(/0 dead-lettered batches; chain verified at/);
    expect(await page.locator("#volume rect").count()).toBeGreaterThan(0);

    await operatorCli(worker, "ops", ["stop", "vad", "--reason", "drift under review", "--public", "vad is paused"]);
    await show();
    const vad = page.locator('tr[data-function="vad"] td').nth(1);
    await expect(vad.textContent()).resolves.toBe("stopped: vad is paused (drift under review)");
    expect(await page.locator("body").textContent()).not.toContain("alice-the-caller");
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});

/** Writes a run's (or the gate's) report: `report.json` and `report.html` into one directory. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type RenderedRun, renderHtml } from "./html";

export type { RenderedRun } from "./html";
export { buildReport, type Report, type TargetDescription } from "./json";

export async function writeReport(
  dir: string,
  json: unknown,
  runs: RenderedRun[],
  title?: string,
  sections: string[] = [],
) {
  await mkdir(dir, { recursive: true });
  const files = { json: path.join(dir, "report.json"), html: path.join(dir, "report.html") };
  await writeFile(files.json, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(files.html, renderHtml(runs, title, sections));
  return files;
}

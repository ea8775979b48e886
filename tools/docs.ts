/**
 * `npm run docs [-- --reports FILE] [--out DIR] [--env NAME]`: the technical documentation (EU AI Act Annex IV)
 * and instructions for use (Art. 13) of every function, and the deployment's record of processing
 * (GDPR Art. 30), written from the manifests, their verified signatures and provenance, the latest
 * robustness gate report (default reports/robustness/report.json, which `npm run redteam --
 * --gate --out reports/robustness` writes) and wrangler.toml, its top level or [env.NAME]
 * (src/governance/documentation.ts).
 * Writes DIR/<function>/technical-documentation.md, DIR/<function>/instructions-for-use.md and
 * DIR/record-of-processing.md (default DIR: docs/generated).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { functions } from "../functions";
import { readManifests } from "../models/recipe";
import { checkCommittedSignature, checkProvenance } from "../models/signing";
import {
  type DocumentationFacts,
  type GateResult,
  instructionsForUse,
  recordOfProcessing,
  technicalDocumentation,
} from "../src/governance/documentation";
import { subjectName } from "../src/governance/model-signature";
import { readWranglerEnvironment } from "./deployment";
import { ROOT } from "./local-state";

const { values } = parseArgs({
  options: {
    reports: { type: "string", default: path.join(ROOT, "reports", "robustness", "report.json") },
    out: { type: "string", default: path.join(ROOT, "docs", "generated") },
    env: { type: "string" },
  },
});

const facts: DocumentationFacts = {
  signatures: new Map(),
  provenance: new Map(),
  gate: await readGate(values.reports as string),
  retentionDays: Number(readWranglerEnvironment(values.env).vars?.AUDIT_RETENTION_DAYS),
  generatedAt: new Date().toISOString(),
};
for (const manifest of await readManifests()) {
  const subject = subjectName(manifest);
  await checkCommittedSignature(manifest).then(
    (verified) => facts.signatures.set(subject, verified),
    (error: Error) => console.error(`docs: ${subject}: ${error.message}`),
  );
  if ("recipe" in manifest.source)
    await checkProvenance(manifest, manifest.source).then(
      (verified) => facts.provenance.set(subject, verified),
      (error: Error) => console.error(`docs: ${subject} provenance: ${error.message}`),
    );
}

const out = path.resolve(values.out as string);
const written: string[] = [];
const write = async (file: string, text: string) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  written.push(path.relative(process.cwd(), file));
};
for (const fn of functions) {
  await write(path.join(out, fn.name, "technical-documentation.md"), technicalDocumentation(fn, facts));
  await write(path.join(out, fn.name, "instructions-for-use.md"), instructionsForUse(fn, facts));
}
await write(path.join(out, "record-of-processing.md"), recordOfProcessing(functions, facts));
console.log(`docs: wrote ${written.length} documents:\n${written.map((f) => `  ${f}`).join("\n")}`);

async function readGate(file: string): Promise<DocumentationFacts["gate"]> {
  const text = await readFile(file, "utf8").catch(() => {
    console.error(`docs: no robustness report at ${file}: run npm run redteam -- --gate --out ${path.dirname(file)}`);
    process.exit(1);
  });
  const report = JSON.parse(text) as { gate: GateResult[]; runs: { createdAt: string }[] };
  return { results: report.gate, createdAt: report.runs[0]?.createdAt ?? "an unknown date" };
}

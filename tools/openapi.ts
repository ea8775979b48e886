/**
 * `npm run openapi -- [--out FILE] [--server URL]`: writes the OpenAPI 3.1 document of every
 * deployed function (default dist/openapi.json), for documentation sites and client generators.
 * The worker serves the same document, cut to what the caller may read, at GET /openapi.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { functions } from "../functions";
import { openApiDocument } from "../src/openapi/document";

const { values } = parseArgs({
  options: { out: { type: "string", default: "dist/openapi.json" }, server: { type: "string" } },
});
const out = path.resolve(values.out);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(openApiDocument(functions, { serverUrl: values.server }), null, 2)}\n`);
console.log(`bastion: wrote the OpenAPI document (${functions.map((fn) => fn.name).join(", ")}) to ${out}`);

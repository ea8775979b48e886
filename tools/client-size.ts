/**
 * `npm run client-size`: the TypeScript client (src/client) bundled for browsers as an app would
 * ship it (esbuild, minified, ES2020), then gzipped: prints the bytes. Fails if the bundle pulls in
 * anything but the client's own files (zod, a model, any package) or a Node module.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLIENT_DIR = "src/client/";

export interface ClientBundle {
  minifiedBytes: number;
  gzipBytes: number;
  /** The files in the bundle, relative to the repository. */
  inputs: string[];
}

export async function bundleClient(): Promise<ClientBundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [`${CLIENT_DIR}index.ts`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return {
    minifiedBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    inputs: Object.keys(result.metafile.inputs),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bundle = await bundleClient();
  const foreign = bundle.inputs.filter((input) => !input.startsWith(CLIENT_DIR));
  if (foreign.length > 0) {
    console.error(`the client bundle must hold only ${CLIENT_DIR}, but it holds ${foreign.join(", ")}`);
    process.exit(1);
  }
  console.log(
    `client: ${bundle.gzipBytes} bytes minified+gzip (${bundle.minifiedBytes} minified, ${bundle.inputs.length} files)`,
  );
}

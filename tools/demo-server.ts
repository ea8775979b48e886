/**
 * The web demo's server (`npm run demo`, and the browser test): serves examples/web/ from a port
 * of its own, so the page is another origin than the worker and every call it makes is a real
 * cross-origin one. The page's TypeScript is bundled with esbuild once, at start, into memory;
 * the worker's URL reaches the page as a `<meta name="bastion-url">` in index.html.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "examples", "web");

/** The bundles the page loads: its app, and the AudioWorklet that taps the microphone. */
const ENTRY_POINTS = { "main.js": "main.ts", "capture-worklet.js": "capture-worklet.ts" };

export interface DemoServerOptions {
  /** The port to listen on (0: any free one). */
  port: number;
  /** The Bastion worker the page calls by default, e.g. http://127.0.0.1:8787. */
  workerUrl: string;
  /** Default 127.0.0.1: the demo is for this machine, not the network. */
  host?: string;
}

export interface DemoServer {
  /** The page's URL, e.g. http://127.0.0.1:8788/ */
  url: string;
  /** The page's origin, as the worker's CORS_ORIGINS must list it. */
  origin: string;
  close(): Promise<void>;
}

interface Asset {
  type: string;
  body: string | Uint8Array;
}

export async function startDemoServer({ port, workerUrl, host = "127.0.0.1" }: DemoServerOptions): Promise<DemoServer> {
  const assets = await buildAssets(new URL(workerUrl).href);
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://demo").pathname;
    const asset = assets.get(pathname === "/" ? "/index.html" : pathname);
    if (!asset || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    response.writeHead(200, {
      "content-type": asset.type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // The page may call any worker URL typed into it; everything else comes from here.
      "content-security-policy":
        "default-src 'self'; connect-src 'self' http: https:; img-src 'self' blob: data:; style-src 'self'; frame-ancestors 'none'",
    });
    response.end(request.method === "HEAD" ? undefined : asset.body);
  });
  await listen(server, port, host);
  const { port: bound } = server.address() as { port: number };
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function buildAssets(workerUrl: string): Promise<Map<string, Asset>> {
  const result = await build({
    absWorkingDir: DEMO_DIR,
    entryPoints: Object.entries(ENTRY_POINTS).map(([out, entry]) => ({ in: entry, out: out.replace(/\.js$/, "") })),
    outdir: "dist", // nothing is written: the output stays in memory
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    write: false,
    logLevel: "silent",
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    assets.set(`/${path.basename(file.path)}`, { type: "text/javascript; charset=utf-8", body: file.contents });
  }
  const html = readFileSync(path.join(DEMO_DIR, "index.html"), "utf8").replace(
    "{{BASTION_URL}}",
    escapeAttribute(workerUrl),
  );
  assets.set("/index.html", { type: "text/html; charset=utf-8", body: html });
  assets.set("/style.css", { type: "text/css; charset=utf-8", body: readFileSync(path.join(DEMO_DIR, "style.css")) });
  return assets;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

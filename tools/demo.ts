/**
 * `npm run demo`: the web demo (examples/web/) on http://127.0.0.1:8788, calling the Bastion that
 * `npm start` runs on http://127.0.0.1:8787. `DEMO_PORT` and `BASTION_URL` choose others; the
 * worker must list the page's origin in CORS_ORIGINS (npm start does for the default port).
 */
import { DEFAULT_DEMO_PORT } from "./demo-origin";
import { startDemoServer } from "./demo-server";

const port = Number(process.env.DEMO_PORT ?? DEFAULT_DEMO_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535)
  throw new Error(`DEMO_PORT must be a TCP port, not ${process.env.DEMO_PORT}`);
const workerUrl = process.env.BASTION_URL ?? "http://127.0.0.1:8787";

const demo = await startDemoServer({ port, workerUrl });
console.log(`bastion demo: ${demo.url} (calling ${workerUrl})`);
console.log('  token: npm run -s token -- --sub demo --scope "infer:* models:read" | tail -1');
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => demo.close().then(() => process.exit(0)));

/**
 * `npm run console [-- --base URL] [--port N] --token ADMIN_TOKEN`: the operator's page for a
 * running worker (default http://127.0.0.1:8787), on http://127.0.0.1:8790/ (tools/console-server.ts).
 */
import { parseArgs } from "node:util";
import { startConsoleServer } from "./console-server";

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:8787" },
    port: { type: "string", default: "8790" },
    token: { type: "string", default: process.env.BASTION_TOKEN },
  },
});
if (!values.token) {
  console.error(
    "usage: npm run console -- [--base URL] [--port N] --token ADMIN_TOKEN (npm run token -- --scope admin)",
  );
  process.exit(2);
}
const server = await startConsoleServer({
  base: values.base as string,
  token: values.token,
  port: Number(values.port),
});
console.log(`bastion: the operator's page for ${values.base} is at ${server.url} (Ctrl-C stops it)`);

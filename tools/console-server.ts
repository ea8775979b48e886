/**
 * The operator's page, served locally (`npm run console`): the page and its script
 * (src/governance/console-page.ts), the latest robustness report, and one forwarded read,
 * `GET /overview` -> the worker's `GET /v1/admin/overview` with the operator's admin token, so the
 * browser holds no token. Loopback only, GET only: nothing here changes anything.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { CONSOLE_PAGE, CONSOLE_SCRIPT, CONSOLE_STYLE } from "../src/governance/console-page";
import { ROOT } from "./local-state";

const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";
/** The gate's report embeds its adversarial examples as data: URLs and its style inline. */
const REPORT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export interface ConsoleOptions {
  /** The worker's base URL. */
  base: string;
  /** An access token with the `admin` scope. */
  token: string;
  port?: number;
  report?: string;
}

export async function startConsoleServer(options: ConsoleOptions): Promise<{ url: string; close(): Promise<void> }> {
  const report = options.report ?? path.join(ROOT, "reports", "robustness", "report.html");
  const server: Server = createServer(async (request, response) => {
    const send = (status: number, type: string, body: string, policy = PAGE_POLICY) => {
      response.writeHead(status, {
        "content-type": type,
        "content-security-policy": policy,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      response.end(body);
    };
    if (request.method !== "GET") return send(405, "text/plain", "the operator's page is read-only");
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/") return send(200, "text/html; charset=utf-8", CONSOLE_PAGE);
    if (url.pathname === "/console.js") return send(200, "text/javascript; charset=utf-8", CONSOLE_SCRIPT);
    if (url.pathname === "/console.css") return send(200, "text/css; charset=utf-8", CONSOLE_STYLE);
    if (url.pathname === "/robustness/report.html") {
      const html = await readFile(report, "utf8").catch(() => undefined);
      if (html === undefined)
        return send(404, "text/plain", "no robustness report: npm run redteam -- --gate --out reports/robustness");
      return send(200, "text/html; charset=utf-8", html, REPORT_POLICY);
    }
    if (url.pathname === "/overview") {
      const answer = await fetch(new URL("/v1/admin/overview", options.base), {
        headers: { authorization: `Bearer ${options.token}` },
      }).catch(() => undefined);
      if (!answer) return send(502, "application/json", JSON.stringify({ error: "the worker cannot be reached" }));
      return send(answer.status, "application/json", await answer.text());
    }
    send(404, "text/plain", "not found");
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

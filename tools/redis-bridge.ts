/**
 * An Upstash-REST-compatible bridge in front of a real Redis, so that @upstash/redis (and with it
 * @upstash/ratelimit) runs unchanged against `redis-server` locally and in CI. Upstash's own
 * emulator is a Docker image, which cannot run here.
 *
 * It speaks the subset the client uses: `POST /` (one command as a JSON array), `POST /pipeline`
 * and `POST /multi-exec` (arrays of commands), bearer-token auth, and `Upstash-Encoding: base64`
 * (string results base64-encoded, except "OK"). Upstash's Lua scripts start with
 * `#!lua flags=allow-key-locking`, which Redis 7.0 rejects: the bridge strips the flag and maps the
 * client's script SHA1 to the SHA1 of what it loaded, so EVALSHA and its NOSCRIPT -> EVAL fallback work.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { maskCredentials } from "./redis-url";

export interface RedisBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

type Command = (string | number)[];

export async function startRedisBridge(options: {
  redisUrl: string;
  token: string;
  port?: number;
}): Promise<RedisBridge> {
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Said here rather than by ioredis, naming the Redis without its password.
  redis.on("error", (error: Error) =>
    console.error(`redis-bridge: ${maskCredentials(options.redisUrl)}: ${error.message}`),
  );
  await redis.connect();
  /** Client script SHA1 -> SHA1 of the script as loaded into Redis. */
  const scripts = new Map<string, string>();

  const run = async (command: Command): Promise<unknown> => {
    const [name, ...args] = command.map(String);
    const verb = name.toUpperCase();
    if (verb === "EVAL" || (verb === "SCRIPT" && args[0]?.toUpperCase() === "LOAD")) {
      const index = verb === "EVAL" ? 0 : 1;
      const original = args[index];
      const loadable = original.replace(/^#!lua flags=[^\n]*\n/, "");
      const loaded = createHash("sha1").update(loadable).digest("hex");
      scripts.set(createHash("sha1").update(original).digest("hex"), loaded);
      if (verb === "SCRIPT") {
        await redis.call("SCRIPT", "LOAD", loadable);
        return createHash("sha1").update(original).digest("hex");
      }
      args[index] = loadable;
    }
    if (verb === "EVALSHA") args[0] = scripts.get(args[0]) ?? args[0];
    return redis.call(verb, ...args);
  };

  const settle = async (command: Command) => {
    try {
      return { result: await run(command) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };

  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown, base64 = false) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(base64 ? encode(body) : body));
    };
    if (request.headers.authorization !== `Bearer ${options.token}`) return reply(401, { error: "Unauthorized" });
    if (request.method !== "POST") return reply(405, { error: "POST only" });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      return reply(400, { error: "body must be JSON" });
    }
    const base64 = String(request.headers["upstash-encoding"]).toLowerCase() === "base64";
    const path = new URL(request.url ?? "/", "http://bridge").pathname;
    if (path === "/pipeline") return reply(200, await Promise.all((body as Command[]).map(settle)), base64);
    if (path === "/multi-exec") {
      const multi = redis.multi((body as Command[]).map((command) => command.map(String)));
      const results = (await multi.exec()) ?? [];
      return reply(
        200,
        results.map(([error, result]) => (error ? { error: error.message } : { result })),
        base64,
      );
    }
    const outcome = await settle(body as Command);
    reply("error" in outcome ? 400 : 200, outcome, base64);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    },
  };
}

/** Upstash's base64 encoding: every string in a result except "OK". */
function encode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "error" ? v : encode(v)]));
  if (typeof value === "string" && value !== "OK") return Buffer.from(value).toString("base64");
  return value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/**
 * A private `redis-server` (Debian's package) on a free loopback port, with no persistence, for
 * tests and the benchmark; with `password`, clients must authenticate (`--requirepass`) and `url`
 * carries it. Stopped with the returned `stop`.
 */
import { spawn } from "node:child_process";
import { freePort } from "./free-port";

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedisServer(options: { password?: string } = {}): Promise<LocalRedis> {
  const port = await freePort();
  const auth = options.password ? ["--requirepass", options.password] : [];
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...auth],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.once("error", (error) =>
      reject(new Error(`redis-server could not start (apt-get install -y redis-server): ${error.message}`)),
    );
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return {
    url: `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ""}127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * `npm run fernet` against Python's `cryptography.fernet`: keys and tokens go both ways, rotation
 * keeps the timestamp, and a token that does not open exits 1 with the worker's one message.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { python, pythonFernetMissing } from "../test/python-fernet";

const scratch = mkdtempSync(path.join(tmpdir(), "bastion-fernet-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with `stdin` as its input, FERNET_KEYS unset unless `--key` says otherwise. */
function cli(args: string[], stdin = ""): Promise<Run> {
  const { FERNET_KEYS: _, ...env } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "tools/fernet.ts", ...args],
      { env, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe("npm run fernet", () => {
  it("keygen prints a key in the form Fernet.generate_key() writes", async () => {
    const { code, stdout } = await cli(["keygen"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[A-Za-z0-9_-]{43}=\n$/);
  });

  it("refuses a token that does not open with exit 1 and the one message", async () => {
    const key = (await cli(["keygen"])).stdout.trim();
    const token = (await cli(["encrypt", `--key=${key}`], "x")).stdout.trim();
    const stranger = (await cli(["keygen"])).stdout.trim();
    const refused = await cli(["decrypt", `--key=${stranger}`], token);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr.trim()).toBe("invalid Fernet token");
    const shortKey = await cli(["decrypt", "--key=short"], token);
    expect(shortKey.code, shortKey.stderr).toBe(1);
    const unknownCommand = await cli(["sign", `--key=${key}`], token);
    expect(unknownCommand.code, unknownCommand.stderr).toBe(2);
    expect(unknownCommand.stderr).toContain("usage: npm run fernet");
  });

  it("takes a key that starts with '-' as --key=KEY, and says so when it is given as --key KEY", async () => {
    // base64url of a first byte 0xf8 starts with "-", as 1 key in 64 does.
    const key = Buffer.from([0xf8, ...crypto.getRandomValues(new Uint8Array(31))]).toString("base64url");
    expect(key.startsWith("-")).toBe(true);
    const sealed = await cli(["encrypt", `--key=${key}=`], "x");
    expect(sealed.code, sealed.stderr).toBe(0);
    const opened = await cli(["decrypt", `--key=${key}=`], sealed.stdout);
    expect(opened).toMatchObject({ code: 0, stdout: "x" });
    const ambiguous = await cli(["decrypt", "--key", `${key}=`], sealed.stdout);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("--key=");
    expect(ambiguous.stderr).toContain("usage: npm run fernet");
    expect(ambiguous.stderr).not.toContain("    at ");
  });

  describe.skipIf(pythonFernetMissing)(
    `with Python's cryptography.fernet${pythonFernetMissing ? ` (skipped: ${pythonFernetMissing})` : ""}`,
    () => {
      it("opens what Python sealed (from a file, with --ttl), and Python opens what it seals", async () => {
        const key = (await cli(["keygen"])).stdout.trim();
        const value = JSON.stringify({ pixels: [0, 0.25, 1] });
        const file = path.join(scratch, "token");
        writeFileSync(file, `${python.encrypt([key], new TextEncoder().encode(value))}\n`);
        expect(await cli(["decrypt", `--key=${key}`, "--in", file, "--ttl", "60"])).toMatchObject({
          code: 0,
          stdout: value,
        });
        const sealed = await cli(["encrypt", `--key=${key}`], value);
        expect(sealed.code).toBe(0);
        expect(new TextDecoder().decode(python.decrypt([key], sealed.stdout.trim(), 60))).toBe(value);
      });

      it("rotates as MultiFernet.rotate: under the first key, timestamp kept", async () => {
        const [current, old] = [(await cli(["keygen"])).stdout.trim(), (await cli(["keygen"])).stdout.trim()];
        const token = python.encrypt([old], new TextEncoder().encode("rotate me"));
        const rotated = await cli(["rotate", `--key=${current},${old}`], token);
        expect(rotated.code).toBe(0);
        const fresh = rotated.stdout.trim();
        expect(new TextDecoder().decode(python.decrypt([current], fresh))).toBe("rotate me");
        expect(python.timestamp([current], fresh)).toBe(python.timestamp([old], token));
      });
    },
  );
});

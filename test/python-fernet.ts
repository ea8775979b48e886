/**
 * Python's `cryptography.fernet`, the reference implementation pipelines use, driven from tests.
 * `pythonFernetMissing` says what is missing (python3, or its `cryptography` module) so a test can
 * skip with that reason; nothing else skips.
 */
import { execFileSync, spawnSync } from "node:child_process";

export const pythonFernetMissing: string | undefined = (() => {
  const probe = spawnSync("python3", ["-c", "import cryptography.fernet"], { encoding: "utf8" });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.status !== 0) return "python3 lacks the module `cryptography` (pip install cryptography)";
  return undefined;
})();

const SCRIPT = `
import base64, json, sys
from cryptography.fernet import Fernet, MultiFernet, InvalidToken
r = json.load(sys.stdin)
f = MultiFernet([Fernet(k) for k in r["keys"]])
try:
    if r["op"] == "encrypt":
        out = f.encrypt(base64.b64decode(r["data"])).decode()
    elif r["op"] == "decrypt":
        out = base64.b64encode(f.decrypt(r["data"], ttl=r.get("ttl"))).decode()
    elif r["op"] == "rotate":
        out = f.rotate(r["data"]).decode()
    elif r["op"] == "timestamp":
        out = f.extract_timestamp(r["data"])
    print(json.dumps({"ok": out}))
except InvalidToken:
    print(json.dumps({"invalid": True}))
`;

type Op = "encrypt" | "decrypt" | "rotate" | "timestamp";

function run(op: Op, keys: string[], data: string, ttl?: number): { ok?: string | number; invalid?: true } {
  const input = JSON.stringify({ op, keys, data, ttl });
  return JSON.parse(execFileSync("python3", ["-c", SCRIPT], { input, encoding: "utf8" }));
}

export const python = {
  /** `MultiFernet(keys).encrypt(plaintext)`. */
  encrypt: (keys: string[], plaintext: Uint8Array) =>
    run("encrypt", keys, Buffer.from(plaintext).toString("base64")).ok as string,
  /** `MultiFernet(keys).decrypt(token, ttl)`, or undefined for `InvalidToken`. */
  decrypt(keys: string[], token: string, ttl?: number): Uint8Array | undefined {
    const { ok } = run("decrypt", keys, token, ttl);
    return ok === undefined ? undefined : new Uint8Array(Buffer.from(ok as string, "base64"));
  },
  rotate: (keys: string[], token: string) => run("rotate", keys, token).ok as string,
  timestamp: (keys: string[], token: string) => run("timestamp", keys, token).ok as number,
};

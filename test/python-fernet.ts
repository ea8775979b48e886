/** Python's `cryptography.fernet`, the reference implementation pipelines use, driven from tests. */
import { pythonCryptographyMissing, runPython } from "./python-cryptography";

export const pythonFernetMissing = pythonCryptographyMissing;

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
  return runPython(SCRIPT, { op, keys, data, ttl });
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

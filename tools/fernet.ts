/**
 * `npm run fernet -- keygen | encrypt | decrypt | rotate`: Fernet for pipelines and tests, a thin
 * shell over src/privacy/fernet, compatible both ways with Python's `cryptography.fernet`.
 *
 *   keygen                                  a new key, as Fernet.generate_key() writes it
 *   encrypt [--in FILE]                     the bytes of FILE (default stdin) as a token under the first key
 *   decrypt [--in FILE] [--ttl SECONDS]     the plaintext of the token in FILE (default stdin), under any key
 *   rotate  [--in FILE]                     the token re-encrypted under the first key, its timestamp kept
 *
 * Keys, comma-separated with the current one first: `--key=KEYS` (with `=`: a key may start with
 * `-`), else the FERNET_KEYS environment
 * variable, else FERNET_KEYS of `.dev.vars` (the keys `npm start` generated). A token that does not
 * open exits 1 with the one message the worker also gives.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  decryptFernet,
  encryptFernet,
  FernetError,
  type FernetKeyring,
  generateFernetKey,
  importFernetKeys,
  rotateFernet,
} from "../src/privacy/fernet";
import { readDevVars } from "./local-state";

const USAGE =
  "usage: npm run fernet -- keygen | encrypt [--in FILE] | decrypt [--in FILE] [--ttl SECONDS] | rotate [--in FILE]" +
  " [--key=KEY[,OLD_KEY...]]";

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** The arguments; one node:util cannot parse is a usage error, not a stack trace. */
function parsedArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { key: { type: "string" }, in: { type: "string" }, ttl: { type: "string" } },
    });
  } catch (error) {
    // A key is base64url, so 1 in 64 starts with "-": `--key -abc` reads as an option.
    fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const { values, positionals } = parsedArguments();

function keys(): Promise<FernetKeyring> {
  const list = values.key ?? process.env.FERNET_KEYS ?? readDevVars().FERNET_KEYS;
  if (!list) fail("no key: pass --key, set FERNET_KEYS, or run `npm start` once to generate .dev.vars");
  return importFernetKeys(list);
}

/** The input: a file or stdin, as bytes. */
const input = (): Uint8Array => new Uint8Array(readFileSync(values.in ?? 0));
/** A token from the input, without the newline an `echo` or a file adds. */
const token = () => new TextDecoder().decode(input()).trim();

function ttlSeconds(): number | undefined {
  if (values.ttl === undefined) return undefined;
  const ttl = Number(values.ttl);
  if (!Number.isSafeInteger(ttl) || ttl < 1) fail("--ttl must be a whole number of seconds, at least 1");
  return ttl;
}

const [command, ...extra] = positionals;
if (extra.length > 0) fail(USAGE);
try {
  switch (command) {
    case "keygen":
      console.log(generateFernetKey());
      break;
    case "encrypt":
      console.log(await encryptFernet(await keys(), input()));
      break;
    case "decrypt":
      process.stdout.write(await decryptFernet(await keys(), token(), { ttl: ttlSeconds() }));
      break;
    case "rotate":
      console.log(await rotateFernet(await keys(), token()));
      break;
    default:
      fail(USAGE);
  }
} catch (error) {
  if (error instanceof FernetError) fail(error.message, 1);
  throw error;
}

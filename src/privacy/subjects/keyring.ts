/**
 * The worker's side of subject keys: finds a subject's key by its lookup, creates it on first use,
 * unwraps it, and keeps it for a few seconds per isolate so a busy subject costs one store round
 * trip per isolate per CACHE_SECONDS, not one per request. That cache bounds how long an isolate
 * that did not run the erasure may still use an erased key; events written with it in that window
 * are as unlinkable as the older ones, since nobody can compute that pseudonym any more.
 */
import type { Bindings } from "../../env";
import { AuditNotConfigured } from "../../errors";
import { base64url } from "../../models/base64url";
import { reachStore } from "../reach-store";
import { subjectKeyStores } from "./store";
import type { Subject } from "./types";

const SUBJECT_KEY_STORE = "subject key store";
const CACHE_SECONDS = 30;
const CACHE_ENTRIES = 10_000;
const LOOKUP_INFO = "bastion.subject-lookup/1";
const WRAP_INFO = "bastion.subject-key-wrap/1";
const IV_BYTES = 12;

interface DerivedKeys {
  lookup: CryptoKey;
  wrap: CryptoKey;
}

export function subjectKeyring() {
  const stores = subjectKeyStores();
  let derived: { pepper: string; keys: Promise<DerivedKeys> } | undefined;
  const cache = new Map<string, { key: Promise<CryptoKey>; expires: number }>();

  const derivedKeys = (env: Bindings): Promise<DerivedKeys> => {
    const pepper = env.AUDIT_PEPPER;
    if (!pepper) throw new AuditNotConfigured("the AUDIT_PEPPER secret");
    if (derived?.pepper !== pepper) derived = { pepper, keys: deriveKeys(base64url.decode(pepper)) };
    return derived.keys;
  };

  /** The subject's lookup: what the store is addressed by, never the subject itself. */
  const lookupOf = async (env: Bindings, { subject, tenant }: Subject): Promise<string> => {
    const { lookup } = await derivedKeys(env);
    const name = new TextEncoder().encode(JSON.stringify([tenant ?? null, subject]));
    return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", lookup, name)));
  };

  const unwrap = async (env: Bindings, lookup: string, wrapped: string): Promise<CryptoKey> => {
    const { wrap } = await derivedKeys(env);
    const bytes = base64url.decode(wrapped);
    const raw = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: new TextEncoder().encode(lookup) },
      wrap,
      bytes.subarray(IV_BYTES),
    );
    return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  };

  const create = async (env: Bindings, lookup: string): Promise<CryptoKey> => {
    const { wrap } = await derivedKeys(env);
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(lookup) },
      wrap,
      crypto.getRandomValues(new Uint8Array(32)),
    );
    const candidate = base64url.encode(new Uint8Array([...iv, ...new Uint8Array(sealed)]));
    return unwrap(env, lookup, await reachStore(stores(env).getOrCreate(lookup, candidate), SUBJECT_KEY_STORE));
  };

  return {
    /** The subject's key, created on first use. */
    async keyFor(env: Bindings, subject: Subject): Promise<CryptoKey> {
      const lookup = await lookupOf(env, subject);
      const now = Date.now();
      const cached = cache.get(lookup);
      if (cached && cached.expires > now) return cached.key;
      if (cache.size >= CACHE_ENTRIES) for (const [stale] of cache) if (cache.delete(stale)) break;
      const key = create(env, lookup);
      cache.set(lookup, { key, expires: now + CACHE_SECONDS * 1000 });
      key.catch(() => cache.delete(lookup));
      return key;
    },

    /** The subject's key from the store itself (no cache), or null when they have none: never creates one. */
    async existingKey(env: Bindings, subject: Subject): Promise<CryptoKey | null> {
      const lookup = await lookupOf(env, subject);
      const wrapped = await reachStore(stores(env).get(lookup), SUBJECT_KEY_STORE);
      return wrapped === null ? null : unwrap(env, lookup, wrapped);
    },

    /** Deletes the subject's key (crypto-shredding); whether they had one. */
    async erase(env: Bindings, subject: Subject): Promise<boolean> {
      const lookup = await lookupOf(env, subject);
      cache.delete(lookup);
      return reachStore(stores(env).erase(lookup), SUBJECT_KEY_STORE);
    },
  };
}

export type SubjectKeyring = ReturnType<typeof subjectKeyring>;

async function deriveKeys(pepper: Uint8Array): Promise<DerivedKeys> {
  const base = await crypto.subtle.importKey("raw", pepper, "HKDF", false, ["deriveKey"]);
  const params = (info: string) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: new Uint8Array(0),
    info: new TextEncoder().encode(info),
  });
  const [lookup, wrap] = await Promise.all([
    crypto.subtle.deriveKey(params(LOOKUP_INFO), base, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]),
    crypto.subtle.deriveKey(params(WRAP_INFO), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
  ]);
  return { lookup, wrap };
}

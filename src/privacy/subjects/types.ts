/**
 * Subjects' keys in one page: erasure by crypto-shredding (GDPR Art. 17).
 *
 * Each subject (a token's `sub` within its `tenant`) has its own random 256-bit key. The audit
 * log names the subject only by what that key computes: the pseudonym is HMAC(key, a constant)
 * and the input digest HMAC(key, the input), so two subjects sending the same input leave
 * unrelated digests. Erasing a subject deletes their key; their past events then stay in the log,
 * still chained and verifiable, but nobody can find them or link them to the subject or to the
 * subject's later events, which get a new key and a new pseudonym.
 *
 * The store (a Durable Object per subject, or Redis with PRIVACY_STORE=redis) holds no subject
 * identifier in the clear: it is addressed by a lookup, HMAC(K_lookup, tenant and subject), and
 * holds the key wrapped with AES-256-GCM under K_wrap, bound to that lookup. K_lookup and K_wrap
 * are derived from the AUDIT_PEPPER secret by HKDF, so a copy of the store alone opens nothing.
 *
 *   keyring.ts          the worker's side: lookup, wrap, a short per-isolate cache, erase
 *   pseudonym.ts        what a subject key computes for the audit log
 *   store.ts            which store, by configuration
 *   durable-object.ts   the SubjectKeys Durable Object
 *   redis.ts            the same three operations in Redis
 */

/** Where wrapped subject keys live, addressed by lookup. Each operation is atomic. */
export interface SubjectKeyStore {
  /** The stored wrapped key; `candidate` is stored and returned when there is none. */
  getOrCreate(lookup: string, candidate: string): Promise<string>;
  /** The stored wrapped key, or null: never creates one. */
  get(lookup: string): Promise<string | null>;
  /** Deletes the key; whether there was one. */
  erase(lookup: string): Promise<boolean>;
}

/** Whom a key belongs to: the token's subject within its tenant (none is a tenant of its own). */
export interface Subject {
  subject: string;
  tenant?: string;
}

/**
 * The worker's secrets (src/env.ts): which a deployment needs, and how each is made. The required
 * ones are random keys, so provisioning can generate them; the optional ones are choices only the
 * operator can make (a Redis database, Fernet fields, HMAC tokens), so they are only listed.
 */
import { generateKeyJwk } from "../../models/keyring";
import { generateSecretKey } from "../../secret-keys";

export interface SecretSpec {
  name: string;
  /** The value, for an operator setting it by hand: what it is and how to make or find it. */
  value: string;
  /** Required secrets: a fresh value (kid names the model key). */
  generate?: (kid: string) => string;
  /** Optional secrets: what the worker does with it; without, that feature is off. */
  optionalFor?: string;
}

const RANDOM_KEY = "32 random bytes as base64url (openssl rand 32 | basenc --base64url | tr -d =)";

export const DEPLOYMENT_SECRETS: readonly SecretSpec[] = [
  {
    name: "MODEL_KEYS",
    value: '{"keys": [KEY]}, KEY printed by npm run models -- keygen',
    generate: (kid) => JSON.stringify({ keys: [generateKeyJwk(kid)] }),
  },
  { name: "AUDIT_PEPPER", value: RANDOM_KEY, generate: generateSecretKey },
  { name: "AUDIT_SIGNING_KEY", value: RANDOM_KEY, generate: generateSecretKey },
  { name: "STATE_KEY", value: RANDOM_KEY, generate: generateSecretKey },
  { name: "FERNET_KEYS", value: "a key printed by npm run fernet -- keygen", optionalFor: "sealed (Fernet) fields" },
  {
    name: "UPSTASH_REDIS_REST_URL",
    value: "the database's REST URL, from Upstash",
    optionalFor: "state in Redis instead of Durable Objects",
  },
  {
    name: "UPSTASH_REDIS_REST_TOKEN",
    value: "the database's REST token, from Upstash",
    optionalFor: "state in Redis instead of Durable Objects",
  },
  { name: "JWT_HMAC_SECRET", value: RANDOM_KEY, optionalFor: "HS256 tokens (an asymmetric key is better)" },
];

export const SECRET_NAMES: ReadonlySet<string> = new Set(DEPLOYMENT_SECRETS.map((s) => s.name));

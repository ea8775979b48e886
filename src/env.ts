/** The worker's bindings (wrangler.toml, secrets) and the typed variables requests carry. */
import type { RequestIdVariables } from "hono/request-id";
import type { AuthSettings } from "./auth/config";
import type { Principal } from "./auth/types";
import type { InferenceFunction } from "./functions/define";
import type { RateLimiter } from "./ratelimit/durable-object";
import type { RateLimitDecision } from "./ratelimit/types";

export interface Bindings extends AuthSettings {
  /** Encrypted model artifacts and their envelopes. */
  MODELS: R2Bucket;
  /** Secret: the model keyring, a JWK set of AES-KW keys (see src/models/keyring.ts). */
  MODEL_KEYS?: string;
  /** `auto` (WebGPU where the runtime has it, else WASM), `wasm` or `webgpu`. Default `auto`. */
  EXECUTION_PROVIDER?: string;
  /** `on` adds a Server-Timing header with the model-load and inference breakdown. Default off. */
  SERVER_TIMING?: string;
  /** Rate-limit policies by function, tier and IP, as JSON (see src/ratelimit/policy.ts). */
  RATE_LIMITS?: string;
  /** Redis over Upstash's REST API; without them, limits live in the RATE_LIMITER Durable Object. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  RATE_LIMITER?: DurableObjectNamespace<RateLimiter>;
}

/** Settings `npm start` lets environment variables of the same name override. */
export const LOCAL_OVERRIDABLE_SETTINGS = [
  "MODEL_KEYS",
  "EXECUTION_PROVIDER",
  "SERVER_TIMING",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_JWKS_URL",
  "JWT_JWKS",
  "JWT_ALGORITHMS",
  "JWT_CLOCK_TOLERANCE",
  "JWT_HMAC_SECRET",
  "JWT_JWKS_COOLDOWN",
  "JWT_JWKS_MAX_AGE",
  "JWT_TIER_CLAIM",
  "RATE_LIMITS",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
] as const;

export interface Variables extends RequestIdVariables {
  /** The verified caller, on every route behind `authenticate`. */
  principal: Principal;
  /** Every rate-limit decision taken for the request, for the audit log. */
  rateLimits?: RateLimitDecision[];
  /** The function a request addresses, once resolved from the URL. */
  fn: InferenceFunction;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

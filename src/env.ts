/** The worker's bindings (wrangler.toml, secrets) and the typed variables requests carry. */
import type { RequestIdVariables } from "hono/request-id";
import type { AuditLog } from "./audit/log";
import type { AuditMessage } from "./audit/marker";
import type { AuthSettings } from "./auth/config";
import type { Principal } from "./auth/types";
import type { InferenceFunction } from "./functions/define";
import type { FunctionControls } from "./governance/controls/durable-object";
import type { ControlChange } from "./governance/controls/types";
import type { ort } from "./inference/runtime";
import type { ModelManifest } from "./models/manifest";
import type { InferRequest } from "./oip/request";
import type { PrivacyLedger } from "./privacy/budget/durable-object";
import type { SubjectKeys } from "./privacy/subjects/durable-object";
import type { ProbingMonitor } from "./probing/durable-object";
import type { Verdict } from "./probing/types";
import type { RateLimiter } from "./ratelimit/durable-object";
import type { RateLimitDecision } from "./ratelimit/types";
import type { ReleasePolicy } from "./release/types";

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
  /**
   * Cloudflare's Rate Limiting binding (wrangler.toml `[[ratelimits]]`): when bound, the
   * per-address limit is counted there, per location (src/ratelimit/binding.ts). Optional.
   */
  IP_RATE_LIMITER?: RateLimit;
  /** `redis`: keep probing state in the Upstash Redis above instead of PROBING_MONITOR (src/probing/store.ts). */
  PROBING_STORE?: string;
  /** The probing detector's memory: one object per principal and function (src/probing). */
  PROBING_MONITOR?: DurableObjectNamespace<ProbingMonitor>;
  /** Each subject's own key, for pseudonyms and input digests; erased on request (src/privacy/subjects). */
  SUBJECT_KEYS?: DurableObjectNamespace<SubjectKeys>;
  /** Each tenant's privacy budget for usage statistics (src/privacy/budget). */
  PRIVACY_LEDGER?: DurableObjectNamespace<PrivacyLedger>;
  /** One object per function: its operator stops (src/governance/controls). */
  FUNCTION_CONTROLS?: DurableObjectNamespace<FunctionControls>;
  /** How long an isolate keeps a function's controls before reading them again, in ms (default 1000). */
  CONTROLS_CACHE_MS?: string;
  /** Usage statistics' privacy settings as JSON (src/privacy/usage/settings.ts); defaults when unset. */
  USAGE_STATISTICS?: string;
  /** `redis`: keep subject keys and privacy budgets in the Upstash Redis above instead of Durable Objects. */
  PRIVACY_STORE?: string;
  /** Release policies by function and tier, as JSON (see src/release/settings.ts). */
  RELEASE_POLICIES?: string;
  /** Secret: the key recurrent state is sealed with (AES-256-GCM via HKDF), base64url (src/release/state-key.ts). */
  STATE_KEY?: string;
  /** How long a sealed state opens, in seconds. Default 60. */
  STATE_LIFETIME_SECONDS?: string;
  /**
   * Secret: Fernet keys for sealed input fields and answers, comma-separated url-safe base64 as
   * `Fernet.generate_key()` writes them, the current one first (src/privacy/sealing). Optional.
   */
  FERNET_KEYS?: string;
  /** Web origins whose pages may call the API, comma-separated and exact (src/cors/origins.ts). */
  CORS_ORIGINS?: string;
  /** `off` disables the audit log (benchmarks only); otherwise it must be fully configured. */
  AUDIT?: string;
  AUDIT_QUEUE?: Queue<AuditMessage>;
  /** The dead-letter queue's name, so the consumer knows its batches. */
  AUDIT_DEAD_LETTER_QUEUE?: string;
  AUDIT_LOG: DurableObjectNamespace<AuditLog>;
  AUDIT_BUCKET: R2Bucket;
  /** Secret: the root of the subject keys' lookup and wrapping keys (src/privacy/subjects), base64url. */
  AUDIT_PEPPER?: string;
  /** Secret: key of the chain's MACs (HMAC-SHA256), base64url. */
  AUDIT_SIGNING_KEY?: string;
  AUDIT_RETENTION_DAYS?: string;
  AUDIT_RETRY_DELAY_SECONDS?: string;
  /** Fault injector for tests: "fail-writes:N" or "fail-head-writes:N" (src/audit/faults.ts). */
  AUDIT_FAULT_INJECTION?: string;
  /** Set only by `npm start` (random per run): enables its local drain control (src/drain). */
  LOCAL_CONTROL_TOKEN?: string;
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
  "JWT_MAX_TOKEN_LIFETIME",
  "JWT_HMAC_SECRET",
  "JWT_JWKS_COOLDOWN",
  "JWT_JWKS_MAX_AGE",
  "JWT_TIER_CLAIM",
  "RATE_LIMITS",
  "RELEASE_POLICIES",
  "STATE_KEY",
  "STATE_LIFETIME_SECONDS",
  "FERNET_KEYS",
  "CORS_ORIGINS",
  "PROBING_STORE",
  "PRIVACY_STORE",
  "USAGE_STATISTICS",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "AUDIT",
  "AUDIT_PEPPER",
  "AUDIT_SIGNING_KEY",
  "AUDIT_RETENTION_DAYS",
] as const;

export interface Variables extends RequestIdVariables {
  /** The verified caller, on every route behind `authenticate`. */
  principal: Principal;
  /** What inference did, for the audit log: the model, its key id, the input tensors, the output summary. */
  inference?: {
    model: ModelManifest;
    variant: string;
    kid: string;
    feeds: Record<string, ort.Tensor>;
    summary?: Record<string, string | number | boolean>;
  };
  /**
   * On inference routes, once chosen: the release policy the answer is released under, and the
   * raw OIP outputs it released (src/release), for the audit log.
   */
  release: { policy: ReleasePolicy; rawOutputs?: string[] };
  /** On watched inference routes: the probing detector's verdict on the principal (src/probing). */
  probing?: Verdict;
  /** On an operator's erasure of a subject: whether the subject had a key (src/privacy/subjects). */
  erasure?: { keyFound: boolean };
  /** On an operator's stop or resume of a function (src/governance/controls). */
  control?: ControlChange;
  /** On `POST /v1/functions/{name}`: which input fields arrived Fernet-sealed, and whether the answer was sealed. */
  sealed?: { fields: string[]; response: boolean };
  /** Every rate-limit decision taken for the request, for the audit log. */
  rateLimits?: RateLimitDecision[];
  /** The function a request addresses, once resolved from the URL. */
  fn: InferenceFunction;
  /** The request body, read within the function's size limit (src/request/body.ts). */
  body?: Uint8Array;
  /** On `POST /v1/functions/{name}`: the input, its sealed fields opened, parsed by the function's schema. */
  input: unknown;
  /** On OIP infer: the request, and its tensors checked against the model's signature. */
  inferInput: { request: InferRequest; feeds: Record<string, ort.Tensor> };
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

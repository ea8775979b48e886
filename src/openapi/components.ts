/**
 * The parts of the OpenAPI document every route shares: the bearer-token scheme, the error body
 * and the status codes that carry it, the rate-limit and request-id headers, and the bodies of the
 * routes that are not functions. Every schema is generated from the zod schema the code uses.
 */

import { z } from "zod";
import { principalDescriptionSchema } from "../auth/describe";
import { ALL_FUNCTIONS_SCOPE, MODELS_READ_SCOPE, RAW_OUTPUTS_SCOPE } from "../auth/scopes";
import { errorBodySchema } from "../errors";
import { functionListSchema, outputJsonSchema } from "../functions/describe";
import {
  inferRequestSchema,
  inferResponseSchema,
  modelMetadataSchema,
  modelReadySchema,
  serverMetadataSchema,
} from "../oip/schemas";
import { SEAL_HEADER, sealedFieldSchema } from "../privacy/sealing/middleware";
import { usageReportSchema } from "../privacy/usage/schema";
import { inputJsonSchema } from "../request/schema";
import type { OpenApiObject } from "./types";

export const BEARER = "bearerAuth";
export const ref = (kind: "schemas" | "responses" | "headers", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

type Schema = OpenApiObject;
const response = (schema: z.ZodType) => outputJsonSchema(schema) as Schema;

export const SHARED_SCHEMAS: Record<string, Schema> = {
  Error: response(errorBodySchema),
  InferRequest: inputJsonSchema(inferRequestSchema) as Schema,
  InferResponse: response(inferResponseSchema),
  ModelMetadata: response(modelMetadataSchema),
  ModelReady: response(modelReadySchema),
  ServerMetadata: response(serverMetadataSchema),
  FunctionList: response(functionListSchema),
  Principal: response(principalDescriptionSchema),
  Live: response(z.object({ live: z.literal(true) })),
  Ready: response(z.object({ ready: z.boolean() })),
  SealedField: inputJsonSchema(sealedFieldSchema) as Schema,
  UsageReport: response(usageReportSchema),
};

const integerHeader = (description: string): OpenApiObject => ({
  description,
  schema: { type: "integer", minimum: 0 },
});

export const HEADERS: Record<string, OpenApiObject> = {
  "X-Request-Id": {
    description: "the request's id: the one sent in X-Request-Id (up to 128 characters), or a new one",
    schema: { type: "string" },
  },
  "RateLimit-Limit": integerHeader("requests allowed in the window of the limit that applied"),
  "RateLimit-Remaining": integerHeader("requests left in that window"),
  "RateLimit-Reset": integerHeader("seconds until the window resets"),
  "Retry-After": integerHeader("seconds to wait before trying again"),
  "WWW-Authenticate": {
    description: 'RFC 6750: `Bearer realm="bastion", error="invalid_token" | "insufficient_scope", ...`',
    schema: { type: "string" },
  },
  "Inference-Header-Content-Length": integerHeader(
    "binary tensor data extension: the length of the JSON header before the raw tensors",
  ),
};

/** Headers on every answer past authentication's rate limit: which limit applied and how much is left. */
const rateLimitHeaders = {
  "X-Request-Id": ref("headers", "X-Request-Id"),
  "RateLimit-Limit": ref("headers", "RateLimit-Limit"),
  "RateLimit-Remaining": ref("headers", "RateLimit-Remaining"),
  "RateLimit-Reset": ref("headers", "RateLimit-Reset"),
};

export function withHeaders(
  description: string,
  content: OpenApiObject["content"],
  extra: Record<string, OpenApiObject> = {},
): OpenApiObject {
  return { description, headers: { ...rateLimitHeaders, ...extra }, content };
}

export const jsonOf = (name: string) => ({ "application/json": { schema: ref("schemas", name) } });
const errorWith = (description: string, extra: Record<string, OpenApiObject> = {}) =>
  withHeaders(description, jsonOf("Error"), extra);
const required = (name: string): OpenApiObject => ({ ...HEADERS[name], required: true });

/** Error answers by status, with the codes each carries. */
export const ERROR_RESPONSES: Record<string, OpenApiObject> = {
  BadRequest: errorWith(
    "400: the input is malformed or does not fit the function (codes: invalid_input, invalid_json, invalid_request, " +
      "invalid_image, image_too_large, missing_input, datatype_mismatch, shape_mismatch, value_not_allowed, " +
      "invalid_state: a sealed state altered, expired or not the caller's, invalid_fernet_token: a Fernet-sealed " +
      `field that does not open, whatever the reason, unsupported_seal: a ${SEAL_HEADER} other than fernet, or one on an OIP route, ...)`,
  ),
  Unauthorized: errorWith("401 invalid_token: no token, or one that does not verify", {
    "WWW-Authenticate": required("WWW-Authenticate"),
  }),
  Forbidden: errorWith(
    `403 insufficient_scope: the token lacks the scope this needs (raw OIP outputs: ${RAW_OUTPUTS_SCOPE}), with ` +
      "WWW-Authenticate; or (inference) principal_stopped: stopped for probing the model until an operator clears it",
    { "WWW-Authenticate": HEADERS["WWW-Authenticate"] },
  ),
  NotFound: errorWith(
    "404: no such function or model version for this caller (function_not_found, model_version_not_found); a " +
      "function the caller may not read does not exist for them",
  ),
  PayloadTooLarge: errorWith("413 payload_too_large: the body is larger than the function accepts"),
  UnsupportedMediaType: errorWith("415 unsupported_media_type: the body is not in a format the endpoint reads"),
  TooManyRequests: errorWith(
    "429 rate_limited: over a limit (per address, per function or for reads), with Retry-After; or (inference) " +
      "probing_suspected: the queries look like probing the model, without Retry-After (retrying will not help)",
    { "Retry-After": HEADERS["Retry-After"], "RateLimit-Remaining": required("RateLimit-Remaining") },
  ),
  ServiceUnavailable: errorWith(
    "503: a dependency is down (auth_unavailable, rate_limit_unavailable, model_unavailable, model_key_unavailable, " +
      "model_integrity_failed: retry after Retry-After) or the deployment is not configured (*_not_configured, " +
      "e.g. release_policy_not_configured, state_key_not_configured, fernet_not_configured: a sealed field or " +
      "answer without valid FERNET_KEYS; no Retry-After, retrying will not help)",
    { "Retry-After": HEADERS["Retry-After"] },
  ),
  Unexpected: errorWith("500 internal_error: a fault of Bastion's; the request id finds it in the log"),
};

export const SECURITY_SCHEMES: Record<string, OpenApiObject> = {
  [BEARER]: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "An OAuth 2.0 access token (JWT) from the deployment's identity provider. Scopes, from `scope` or `scp`: " +
      `\`infer:<function>\` calls that function, \`${ALL_FUNCTIONS_SCOPE}\` calls every function, ` +
      `\`${MODELS_READ_SCOPE}\` reads every function's metadata, and \`${RAW_OUTPUTS_SCOPE}\`, beside a scope that ` +
      "calls a function, receives its raw OIP outputs (probability maps, recurrent state). Each operation lists the " +
      "scopes that admit it (any one of them suffices).",
  },
};

/** Any one of `scopes` admits the caller; `[]` means any valid token. */
export function anyOf(scopes: string[]): OpenApiObject[] {
  return scopes.length === 0 ? [{ [BEARER]: [] }] : scopes.map((scope) => ({ [BEARER]: [scope] }));
}

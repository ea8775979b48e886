/**
 * The OpenAPI 3.1 document of a deployment, as one caller sees it: every route, with a path of its
 * own for each function the caller may read, so each function's body is described by the zod
 * schema it is validated with (JSON Schema 2020-12, OpenAPI 3.1's own dialect, from zod's
 * `toJSONSchema`). `GET /openapi.json` serves it; `npm run openapi` writes it for every function.
 */

import { invokeScopes, MODELS_READ_SCOPE, RAW_OUTPUTS_SCOPE, readScopes, USAGE_READ_SCOPE } from "../auth/scopes";
import type { InferenceFunction } from "../functions/define";
import { outputJsonSchema } from "../functions/describe";
import { SERVER_METADATA } from "../oip/schemas";
import { SEAL_HEADER, SEALED_MEDIA_TYPE } from "../privacy/sealing/middleware";
import { inputJsonSchema } from "../request/schema";
import {
  anyOf,
  ERROR_RESPONSES,
  HEADERS,
  jsonOf,
  ref,
  SECURITY_SCHEMES,
  SHARED_SCHEMAS,
  withHeaders,
} from "./components";
import type { OpenApiObject } from "./types";

type Operation = OpenApiObject;
type Responses = OpenApiObject;

export interface DocumentOptions {
  /** The deployment's base URL, for `servers`. */
  serverUrl?: string;
}

export function openApiDocument(functions: InferenceFunction[], options: DocumentOptions = {}): OpenApiObject {
  const paths: OpenApiObject = {
    "/v2/health/live": { get: health("Liveness: the worker answers", "Live", false) },
    "/v2/health/ready": {
      get: health("Readiness: model keys, token verification, rate limits, CORS and audit configured", "Ready", true),
    },
    "/v2": { get: read("OIP server metadata", "ServerMetadata", anyOf([]), "oip") },
    "/v1/principal": { get: read("The caller as Bastion sees them", "Principal", anyOf([]), "meta") },
    "/v1/functions": { get: read("The functions the caller may read", "FunctionList", anyOf([]), "functions") },
    "/v1/usage": {
      get: {
        ...read(
          "The caller's tenant's usage, with differential privacy: counts per function, day and outcome, and " +
            "latency histograms, each figure with its noise. Each query spends from the tenant's privacy budget; " +
            "a spent budget is a 429 `privacy_budget_exhausted` until the period renews.",
          "UsageReport",
          anyOf([USAGE_READ_SCOPE]),
          "meta",
        ),
        parameters: ["from", "to"].map((name) => ({
          name,
          in: "query",
          required: false,
          description: `the ${name === "from" ? "first" : "last"} UTC day counted, YYYY-MM-DD (default: the last 7 days)`,
          schema: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        })),
        responses: authenticated({
          200: withHeaders("OK", jsonOf("UsageReport")),
          400: ref("responses", "BadRequest"),
          403: ref("responses", "Forbidden"),
        }),
      },
    },
    "/openapi.json": {
      get: {
        ...read(
          "This document: the functions the caller may read",
          "",
          anyOf([MODELS_READ_SCOPE, ...new Set(functions.flatMap(readScopes))]),
          "meta",
        ),
        responses: authenticated({
          200: withHeaders("an OpenAPI 3.1 document", { "application/json": { schema: { type: "object" } } }),
          403: ref("responses", "Forbidden"),
        }),
      },
    },
  };
  const schemas = { ...SHARED_SCHEMAS };
  for (const fn of functions) {
    schemas[`${fn.name}.input`] = inputJsonSchema(fn.input) as OpenApiObject;
    schemas[`${fn.name}.output`] = outputJsonSchema(fn.output) as OpenApiObject;
    Object.assign(paths, functionPaths(fn));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Bastion",
      version: SERVER_METADATA.version,
      description:
        "Secure inference functions: `POST /v1/functions/{name}` with the function's JSON, or the Open " +
        "Inference Protocol v2 (`/v2/models/{name}/infer`, JSON or binary tensors). Every route but health " +
        "needs a bearer token and is rate-limited; every outcome is audited.",
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: anyOf([]),
    tags: [
      { name: "functions", description: "Inference functions, each with its own JSON" },
      { name: "oip", description: "Open Inference Protocol v2" },
      { name: "meta", description: "The caller, and this document" },
      { name: "health", description: "Probes, without a token" },
    ],
    paths,
    components: { schemas, responses: ERROR_RESPONSES, headers: HEADERS, securitySchemes: SECURITY_SCHEMES },
  };
}

/** Every route behind the token: its own answers, and the refusals any authenticated route can give. */
function authenticated(responses: Responses): Responses {
  return {
    ...responses,
    401: ref("responses", "Unauthorized"),
    429: ref("responses", "TooManyRequests"),
    503: ref("responses", "ServiceUnavailable"),
    default: ref("responses", "Unexpected"),
  };
}

function health(summary: string, schema: string, mayFail: boolean): Operation {
  const answer = (description: string) => ({
    description,
    headers: { "X-Request-Id": ref("headers", "X-Request-Id") },
    content: jsonOf(schema),
  });
  return {
    summary,
    tags: ["health"],
    security: [],
    responses: mayFail ? { 200: answer("ready"), 503: answer("not ready") } : { 200: answer("live") },
  };
}

function read(summary: string, schema: string, security: OpenApiObject[], tag: string): Operation {
  return { summary, tags: [tag], security, responses: authenticated({ 200: withHeaders("OK", jsonOf(schema)) }) };
}

function functionPaths(fn: InferenceFunction): OpenApiObject {
  const readers = anyOf(readScopes(fn));
  const callers = anyOf(invokeScopes(fn));
  const limits = `At most ${fn.maxBodyBytes} bytes of body.`;
  const refusals = {
    400: ref("responses", "BadRequest"),
    403: ref("responses", "Forbidden"),
    404: ref("responses", "NotFound"),
    413: ref("responses", "PayloadTooLarge"),
    415: ref("responses", "UnsupportedMediaType"),
  };
  const versions = fn.versions.map((m) => m.version);
  const versionParameter: OpenApiObject = {
    name: "model_version",
    in: "path",
    required: true,
    description: `the model version: ${versions.join(", ")} (the paths without one serve ${fn.model.version})`,
    schema: { type: "string", enum: versions },
  };
  const oipOperations = (versioned: boolean): OpenApiObject => {
    const base = `/v2/models/${fn.name}${versioned ? "/versions/{model_version}" : ""}`;
    const parameters = versioned ? [versionParameter] : [];
    const tagged = { tags: ["oip"], parameters };
    const suffix = versioned ? "_version" : "";
    const metadataRead = (id: string, summary: string, schema: string): Operation => ({
      ...tagged,
      operationId: `${id}_${fn.name}${suffix}`,
      summary,
      security: readers,
      responses: authenticated({ 200: withHeaders("OK", jsonOf(schema)), 404: refusals[404] }),
    });
    return {
      [base]: { get: metadataRead("metadata", `Model metadata of ${fn.name}: its tensors`, "ModelMetadata") },
      [`${base}/ready`]: {
        get: metadataRead(
          "ready",
          `Whether ${fn.name}'s model is loaded (loads it: a probe warms the isolate)`,
          "ModelReady",
        ),
      },
      [`${base}/infer`]: {
        post: {
          ...tagged,
          operationId: `infer_${fn.name}${suffix}`,
          summary: `Run ${fn.name}'s model on tensors (OIP v2)`,
          description: `${limits} JSON, or the binary tensor data extension: a JSON header of Inference-Header-Content-Length bytes, then the raw little-endian tensors. ${releaseNote(fn)}`,
          security: callers,
          parameters: [
            ...parameters,
            {
              name: "Inference-Header-Content-Length",
              in: "header",
              description: "binary requests: the length of the JSON header",
              schema: { type: "integer", minimum: 0 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: ref("schemas", "InferRequest") },
              "application/octet-stream": {
                schema: { type: "string", contentMediaType: "application/octet-stream" },
              },
            },
          },
          responses: authenticated({
            200: withHeaders(
              "the outputs; binary when any output was asked for as binary",
              {
                "application/json": { schema: ref("schemas", "InferResponse") },
                "application/octet-stream": {
                  schema: { type: "string", contentMediaType: "application/octet-stream" },
                },
              },
              { "Inference-Header-Content-Length": ref("headers", "Inference-Header-Content-Length") },
            ),
            ...refusals,
          }),
        },
      },
    };
  };
  return {
    [`/v1/functions/${fn.name}`]: {
      post: {
        operationId: `call_${fn.name}`,
        summary: fn.description,
        description:
          `${limits} Model ${fn.model.id}@${fn.model.version}, sha256 ${fn.model.sha256}. Any top-level field may ` +
          `arrive Fernet-sealed (\`{"fernet": "<token>"}\`, tokens up to ${fn.fernet.ttlSeconds} s old); ` +
          `\`${SEAL_HEADER}: fernet\` seals the answer.`,
        tags: ["functions"],
        security: callers,
        parameters: [
          {
            name: SEAL_HEADER,
            in: "header",
            description: `\`fernet\`: answer with a Fernet token (${SEALED_MEDIA_TYPE}) under FERNET_KEYS' first key, whose plaintext is the JSON answer; errors stay JSON`,
            schema: { type: "string", enum: ["fernet"] },
          },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: sealable(inputJsonSchema(fn.input) as OpenApiObject, `#/components/schemas/${fn.name}.input`),
            },
          },
        },
        responses: authenticated({
          200: withHeaders("OK", {
            ...jsonOf(`${fn.name}.output`),
            [SEALED_MEDIA_TYPE]: {
              schema: { type: "string", description: `with ${SEAL_HEADER}: fernet, a Fernet token of the JSON answer` },
            },
          }),
          ...refusals,
        }),
      },
    },
    ...oipOperations(false),
    ...oipOperations(true),
  };
}

/**
 * A request body: the input schema at `pointer`, each top-level field of each object branch either
 * its plain value (referred to where the input schema has it) or a sealed field.
 */
function sealable(schema: OpenApiObject, pointer: string): OpenApiObject {
  if (Array.isArray(schema.anyOf))
    return { anyOf: schema.anyOf.map((branch, i) => sealable(branch, `${pointer}/anyOf/${i}`)) };
  if (schema.type !== "object" || !schema.properties) return { $ref: pointer };
  const { properties, ...rest } = schema;
  const field = (name: string) => ({
    anyOf: [{ $ref: `${pointer}/properties/${escapePointer(name)}` }, ref("schemas", "SealedField")],
  });
  return { ...rest, properties: Object.fromEntries(Object.keys(properties).map((name) => [name, field(name)])) };
}

/** RFC 6901: a name as one JSON Pointer segment. */
const escapePointer = (name: string) => name.replace(/~/g, "~0").replace(/\//g, "~1");

/** Which outputs every caller receives (scores, released by the policy) and which only infer:raw. */
function releaseNote(fn: InferenceFunction): string {
  const outputs = fn.model.signature.outputs.map((o) => o.name);
  const scores = outputs.filter((name) => fn.release.scores.includes(name));
  const raw = outputs.filter((name) => !fn.release.scores.includes(name));
  const list = (names: string[]) => names.map((name) => `\`${name}\``).join(", ");
  return [
    scores.length > 0 ? `Scores, as the release policy gives them: ${list(scores)}.` : "",
    raw.length > 0
      ? `Raw, only with \`${RAW_OUTPUTS_SCOPE}\`: ${list(raw)} (asked for by name without it: 403; otherwise left out and named in \`parameters.withheld_outputs\`, or 403 when nothing else is left).`
      : "",
  ]
    .filter(Boolean)
    .join(" ");
}

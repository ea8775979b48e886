/**
 * The Bastion worker: every route, and the path a request takes through it, top to bottom.
 *
 *   request id -> security headers -> audit -> CORS headers -> limit by IP -> answer preflights
 *     -> authenticate -> resolve function -> authorize -> operator controls (a stop; the version
 *     chosen) -> choose the release policy -> refuse known probers -> limit by principal, while reading and validating input (reads:
 *     limit reads) -> charge the batch -> inference -> watch for probing -> release -> response
 *
 * A function the caller may not read does not exist for them: the same 404 as an unknown name.
 * What of the model's answer leaves is the function's release policy's to say (src/release),
 * narrowed to labels or refused when the caller looks like probing the model (src/probing).
 * The audit step wraps the rest: whatever the outcome, one event goes to the audit queue after
 * the response.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { auditTrail, missingAuditSetting } from "./audit/middleware";
import { describePrincipal } from "./auth/describe";
import { authenticate, requireScope, verifierCache } from "./auth/middleware";
import { principalDigest } from "./auth/principal-digest";
import { ADMIN_SCOPE, holdsAny, invokeScopes, MODELS_READ_SCOPE, readScopes, USAGE_READ_SCOPE } from "./auth/scopes";
import { crossOrigin } from "./cors/middleware";
import { parseCorsOrigins } from "./cors/origins";
import type { AppEnv } from "./env";
import { BastionError, Conflict, type ErrorBody, NotFound } from "./errors";
import { functionContext } from "./functions/context";
import type { InferenceFunction } from "./functions/define";
import { describeFunction } from "./functions/describe";
import { atModelVersion } from "./functions/versions";
import { DEFAULT_PUBLIC_REASON, functionControls } from "./governance/controls/controls";
import {
  CONTROL_REQUEST_BYTES,
  readResumeRequest,
  readStopRequest,
  readVersionRequest,
} from "./governance/controls/request";
import { operatorOverview } from "./governance/overview";
import { bundledTrustedKeys } from "./governance/trusted-keys";
import { type InferenceContext, runModel, warmAllVariants } from "./inference/infer";
import { ModelSessions } from "./inference/sessions";
import { batchSize, toOrtFeeds, warmUpFeeds } from "./inference/tensors";
import { keyringCache } from "./models/keyring";
import { readInferRequest, selectOutputs } from "./oip/request";
import { inferResponse, modelMetadata } from "./oip/response";
import { SERVER_METADATA } from "./oip/schemas";
import { openApiDocuments } from "./openapi/serve";
import { fernetKeysProblem } from "./privacy/sealing/keyring";
import { fernetSealing } from "./privacy/sealing/middleware";
import { subjectKeyring } from "./privacy/subjects/keyring";
import { pseudonymOf } from "./privacy/subjects/pseudonym";
import { readSubject, SUBJECT_REQUEST_BYTES } from "./privacy/subjects/request";
import { usageReports } from "./privacy/usage/report";
import { parseUsageSettings } from "./privacy/usage/settings";
import { probingWatch } from "./probing/watch";
import { rateLimiting } from "./ratelimit/middleware";
import { rateLimitSettingsFor } from "./ratelimit/policy";
import { chooseReleasePolicy } from "./release/middleware";
import { releasableOutputs } from "./release/raw-outputs";
import { releaseScoreOutputs } from "./release/score-outputs";
import { parseReleaseSettings } from "./release/settings";
import { stateSettingsProblem } from "./release/state-key";
import { discardUnreadBody, limitBody, limitBodyToFunction, parseWith, readJson, requireJson } from "./request/body";

export interface AppOptions {
  functions: InferenceFunction[];
  /** Loaded models; one per isolate. */
  sessions?: ModelSessions;
}

export function createApp({ functions, sessions = new ModelSessions() }: AppOptions) {
  const byName = new Map(functions.map((fn) => [fn.name, fn]));
  const models: InferenceContext = { sessions, keyring: keyringCache(), trustedKeys: bundledTrustedKeys() };
  const verifier = verifierCache();
  const limits = rateLimiting();
  const subjects = subjectKeyring();
  const audit = auditTrail(subjects);
  const { corsHeaders, answerPreflight } = crossOrigin();
  const app = new Hono<AppEnv>();

  app.use(requestId({ limitLength: 128 }));
  app.use(discardUnreadBody);
  app.use(secureHeaders(API_SECURITY_HEADERS));
  app.use(async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  app.onError(errorResponse);
  app.notFound((c) => errorResponse(new NotFound("not_found", `no route ${c.req.method} ${c.req.path}`), c));

  // Public: liveness, and readiness (model keyring, token verification, rate limits, release
  // policies, the state key, Fernet keys when set, CORS, usage statistics and audit configured).
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", async (c) => {
    const ready = await models.keyring(c.env.MODEL_KEYS).then(
      () =>
        c.env.MODELS !== undefined &&
        configured(() => verifier(c.env)) &&
        configured(() => rateLimitSettingsFor(c.env)) &&
        configured(() => parseReleaseSettings(c.env.RELEASE_POLICIES)) &&
        !stateSettingsProblem(c.env) &&
        !fernetKeysProblem(c.env) &&
        configured(() => parseCorsOrigins(c.env.CORS_ORIGINS)) &&
        configured(() => parseUsageSettings(c.env.USAGE_STATISTICS)) &&
        !missingAuditSetting(c.env),
      () => false,
    );
    return c.json({ ready }, ready ? 200 : 503);
  });

  // Everything registered below, and every unknown path, is audited, limited per client address
  // and needs a verified token; only an allowed web origin's preflight is answered without one.
  app.use(audit);
  app.use(corsHeaders);
  app.use(limits.limitByIp);
  app.use(answerPreflight);
  app.use(authenticate(verifier));

  const { limitByPrincipalWhile, limitReads } = limits;

  app.get("/v2", limitReads, (c) => c.json(SERVER_METADATA));
  app.get("/v1/principal", limitReads, (c) => c.json(describePrincipal(c.get("principal"))));

  const resolveFunction = createMiddleware<AppEnv>(async (c, next) => {
    const fn = byName.get(c.req.param("name") ?? "");
    if (!fn || !holdsAny(c.get("principal"), readScopes(fn)))
      throw new NotFound("function_not_found", `no function named "${c.req.param("name")}"`);
    const version = c.req.param("version");
    const served = version === undefined ? fn : atModelVersion(fn, version);
    if (!served) {
      const versions = fn.versions.map((m) => m.version).join(", ");
      throw new NotFound("model_version_not_found", `${fn.name} serves versions ${versions}, not ${version}`);
    }
    c.set("fn", served);
    await next();
  });
  const mayInvoke = requireScope((c) => invokeScopes(c.get("fn")));
  // An operator's controls (src/governance/controls): a stop refuses before anything is read or
  // run, and a request naming no version goes to the version the operator chose for it.
  const controls = functionControls();
  // The probing detector's stop is a principal stop in those controls, lifted by an operator only.
  const probing = probingWatch(async (c, verdict) => {
    const reason = `the probing detector stopped this principal at ${verdict.strikes} strikes`;
    const principal = await principalDigest(c.get("principal"));
    await controls.stop(c, c.get("fn").name, { source: "probing-detector", reason, publicReason: reason }, principal);
  });
  /** What an inference request passes before its input is read, on both routes. */
  const invocation = [
    resolveFunction,
    mayInvoke,
    controls.apply,
    chooseReleasePolicy,
    probing.refuseKnownProbers,
  ] as const;

  // Fields may arrive Fernet-sealed and the answer leave sealed (src/privacy/sealing).
  const sealing = fernetSealing();
  /** `POST /v1/functions/{name}`: JSON, its sealed fields opened, parsed by the function's schema. */
  const readFunctionInput = createMiddleware<AppEnv>(async (c, next) => {
    requireJson(c);
    c.set("input", parseWith(c.get("fn").input, await sealing.openFields(c, readJson(c)), "invalid_input"));
    await next();
  });
  /** OIP infer: the request, and its tensors checked against the model's signature. */
  const readInferInput = createMiddleware<AppEnv>(async (c, next) => {
    const request = readInferRequest(c);
    c.set("inferInput", { request, feeds: toOrtFeeds(c.get("fn").model, request.inputs) });
    await next();
  });
  // The per-principal limit's round trip runs while the body is read and validated, not before:
  // a refusal by the limit (429, or 503 from a store that fails closed) still outranks the
  // input's own (400, 413, 415), and the handler, where model work starts, runs only once the
  // limit has admitted the request.
  const functionInput = limitByPrincipalWhile(limitBodyToFunction, sealing.sealResponse, readFunctionInput);
  const oipInput = limitByPrincipalWhile(limitBodyToFunction, sealing.refuseSeal, readInferInput);

  const readable = (c: Context<AppEnv>) => functions.filter((fn) => holdsAny(c.get("principal"), readScopes(fn)));

  app.get("/v1/functions", limitReads, (c) => c.json({ functions: readable(c).map(describeFunction) }));

  // The OpenAPI document of what the caller may read; a token that reads nothing is refused.
  const documents = openApiDocuments();
  app.get(
    "/openapi.json",
    requireScope(() => [MODELS_READ_SCOPE, ...new Set(functions.flatMap(readScopes))]),
    limitReads,
    (c) => c.json(documents(readable(c), new URL(c.req.url).origin)),
  );

  app.post("/v1/functions/:name", ...invocation, functionInput, async (c) => {
    const { fn, release, input } = c.var;
    const context = functionContext(c);
    const feeds = toOrtFeeds(fn.model, await fn.preprocess(input, context));
    await limits.chargeBatch(c, batchSize(fn.model, feeds));
    const { outputs } = await runModel(c, models, fn.model, feeds);
    await probing.watch(c, feeds, outputs);
    const released = releaseScoreOutputs(release.policy, fn.release.scores, outputs);
    const output = await fn.postprocess(released, input, context);
    recordOutput(c, fn.auditSummary(output));
    return c.json(output);
  });

  // An operator lifts a probing stop. The principal is named by its digest (npm run ops computes
  // it), so no subject travels in a URL or lands in the log.
  app.post(
    "/v1/admin/probing/:name/:principal/clear",
    requireScope(() => [ADMIN_SCOPE]),
    limitReads,
    async (c) => {
      const fn = byName.get(c.req.param("name"));
      if (!fn) throw new NotFound("function_not_found", `no function named "${c.req.param("name")}"`);
      await probing.clear(c, fn, c.req.param("principal"));
      const { wasStopped } = await controls.resume(c, fn.name, c.req.param("principal"));
      c.set("control", { action: "resume", function: fn.name, principal: c.req.param("principal"), wasStopped });
      return c.json({ function: fn.name, principal: c.req.param("principal"), cleared: true });
    },
  );

  // Human oversight (EU AI Act Art. 14): an operator stops a function, for everyone or for one
  // principal (by digest), and resumes it; the audit event of the request names operator and change.
  const aboutFunction = [
    requireScope(() => [ADMIN_SCOPE]),
    limitReads,
    limitBody(() => CONTROL_REQUEST_BYTES),
  ] as const;
  const functionNamed = (name: string) => {
    const fn = byName.get(name);
    if (!fn) throw new NotFound("function_not_found", `no function named "${name}"`);
    return fn;
  };
  app.post("/v1/admin/functions/:name/stop", ...aboutFunction, async (c) => {
    const fn = functionNamed(c.req.param("name"));
    const { reason, publicReason = DEFAULT_PUBLIC_REASON, principal } = readStopRequest(c);
    const { wasStopped } = await controls.stop(c, fn.name, { reason, publicReason }, principal);
    c.set("control", { action: "stop", function: fn.name, principal, wasStopped, reason });
    return c.json({ function: fn.name, principal, stopped: true, wasStopped, publicReason });
  });
  app.post("/v1/admin/functions/:name/resume", ...aboutFunction, async (c) => {
    const fn = functionNamed(c.req.param("name"));
    const { reason, principal } = readResumeRequest(c);
    const { wasStopped } = await controls.resume(c, fn.name, principal);
    // A principal resumed starts afresh with the probing detector too, or its strikes would stop it again.
    if (principal && fn.probing) await probing.clear(c, fn, principal);
    c.set("control", { action: "resume", function: fn.name, principal, wasStopped, reason });
    return c.json({ function: fn.name, principal, stopped: false, wasStopped });
  });
  // The operator's page (npm run console): functions, signatures, controls, limits, the audit log.
  app.get(
    "/v1/admin/overview",
    requireScope(() => [ADMIN_SCOPE]),
    limitReads,
    async (c) => c.json(await operatorOverview(c, functions, controls, models.trustedKeys)),
  );

  // Which declared model version answers requests that name none: promote, rollback, canary.
  app.post("/v1/admin/functions/:name/versions", ...aboutFunction, async (c) => {
    const fn = functionNamed(c.req.param("name"));
    const request = readVersionRequest(c);
    if ("version" in request && !fn.versions.some((m) => m.version === request.version))
      throw new NotFound("model_version_not_found", `${fn.name} declares no version ${request.version}`);
    const declared = fn.model.version;
    const before = (await controls.read(c, fn.name)).versions.default ?? declared;
    const after = await controls.changeVersions(c, fn.name, (object) =>
      request.action === "promote"
        ? object.promote(request.version, declared)
        : request.action === "rollback"
          ? object.rollback(declared)
          : object.canary(request.version, request.percent),
    );
    if (!after) throw new Conflict("nothing_to_roll_back", `${fn.name} has no earlier default version`);
    const to = after.default ?? declared;
    c.set("control", {
      action: request.action,
      function: fn.name,
      from: before,
      to,
      canary: after.canary,
      reason: request.reason,
    });
    return c.json({ function: fn.name, default: to, previous: before, canary: after.canary ?? null });
  });
  app.get(
    "/v1/admin/functions/:name/controls",
    requireScope(() => [ADMIN_SCOPE]),
    limitReads,
    async (c) => {
      const fn = functionNamed(c.req.param("name"));
      return c.json({ function: fn.name, ...(await controls.read(c, fn.name)) });
    },
  );

  // A tenant's own usage statistics, with differential privacy (src/privacy/usage): each query
  // spends from the tenant's privacy budget, and a spent budget is a 429 until the period renews.
  const usage = usageReports(functions.map((fn) => fn.name));
  app.get(
    "/v1/usage",
    requireScope(() => [USAGE_READ_SCOPE]),
    limitReads,
    async (c) => c.json(await usage(c)),
  );

  // Data subjects' rights (src/privacy/subjects): an operator erases a subject's key, making every
  // event of theirs unlinkable to them (GDPR Art. 17), or gets their pseudonym to export their
  // events (Art. 15). The subject travels in the body; the audit event names the operator.
  const aboutSubject = [requireScope(() => [ADMIN_SCOPE]), limitReads, limitBody(() => SUBJECT_REQUEST_BYTES)] as const;
  app.post("/v1/admin/subjects/erase", ...aboutSubject, async (c) => {
    const keyFound = await subjects.erase(c.env, readSubject(c));
    c.set("erasure", { keyFound });
    return c.json({ erased: true, keyFound });
  });
  app.post("/v1/admin/subjects/pseudonym", ...aboutSubject, async (c) => {
    const key = await subjects.existingKey(c.env, readSubject(c));
    if (!key) throw new NotFound("subject_not_found", "no key for this subject: never seen, or erased");
    return c.json({ pseudonym: await pseudonymOf(key) });
  });

  const model = ["/v2/models/:name", "/v2/models/:name/versions/:version"];

  app.on("GET", model, resolveFunction, limitReads, (c) =>
    c.json(modelMetadata(c.get("fn").name, c.get("fn").model, c.get("fn").versions)),
  );

  app.on(
    "GET",
    model.map((path) => `${path}/ready`),
    resolveFunction,
    limitReads,
    controls.apply,
    async (c) => {
      // Readiness loads every variant of the model and runs it once, and draws the probing watch's
      // projection for its input size, so a probe also warms the isolate; later probes do neither.
      const { model } = c.get("fn");
      if ((await warmAllVariants(c, models, model)) > 0)
        await probing.prepare(c, warmUpFeeds(model, model.variants[0]));
      return c.json({ name: c.get("fn").name, ready: true });
    },
  );

  app.on(
    "POST",
    model.map((path) => `${path}/infer`),
    ...invocation,
    oipInput,
    async (c) => {
      const { fn, release } = c.var;
      const { request, feeds } = c.get("inferInput");
      const {
        released: wanted,
        withheld,
        raw,
      } = releasableOutputs(fn, selectOutputs(fn.model, request), c.get("principal"), request.outputs !== undefined);
      await limits.chargeBatch(c, batchSize(fn.model, feeds));
      // The watch reads the scores even when the caller asked only for other outputs.
      const computed = new Set([...wanted.map((o) => o.spec.name), ...(fn.probing ? fn.release.scores : [])]);
      const { outputs } = await runModel(c, models, fn.model, feeds, [...computed]);
      await probing.watch(c, feeds, outputs);
      const tensors = releaseScoreOutputs(release.policy, fn.release.scores, outputs);
      recordOutput(c, Object.fromEntries(wanted.map((o) => [o.spec.name, tensors[o.spec.name].dims.join("x")])));
      if (raw.length > 0) release.rawOutputs = raw;
      const { body, headers } = inferResponse(
        {
          model_name: fn.name,
          model_version: fn.model.version,
          id: request.id,
          ...(withheld.length > 0 ? { parameters: { withheld_outputs: withheld } } : {}),
        },
        wanted.map((o) => ({ ...o, tensor: tensors[o.spec.name] })),
      );
      return c.body(body, 200, headers);
    },
  );

  return app;
}

/** What of the output the audit log keeps: the function's summary, or (OIP) output shapes. */
function recordOutput(c: Context<AppEnv>, summary: Record<string, string | number | boolean>) {
  const inference = c.get("inference");
  if (inference) inference.summary = summary;
}

function configured(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId");
  let failure: BastionError;
  if (error instanceof BastionError) failure = error;
  else if (error instanceof HTTPException && error.status < 500) {
    failure = new BastionError(error.status, "bad_request", error.message || "bad request");
  } else {
    // Internal: the cause goes to the log, never to the caller.
    console.error(JSON.stringify({ event: "internal_error", requestId, error: String(error) }));
    failure = new BastionError(500, "internal_error", "internal error");
  }
  const body: ErrorBody = { error: failure.message, code: failure.code, request_id: requestId };
  for (const [name, value] of Object.entries(failure.headers)) c.header(name, value);
  return c.json(body, failure.status);
}

/** An API serves no documents: lock down everything a browser might otherwise allow. */
export const API_SECURITY_HEADERS: Parameters<typeof secureHeaders>[0] = {
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginResourcePolicy: "same-origin",
  referrerPolicy: "no-referrer",
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  xFrameOptions: "DENY",
};

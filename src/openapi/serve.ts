/**
 * Documents for `GET /openapi.json`, kept per set of readable functions and origin: callers share
 * a handful of scope sets, and building one runs zod's JSON Schema generation for every function.
 */

import type { InferenceFunction } from "../functions/define";
import { openApiDocument } from "./document";
import type { OpenApiObject } from "./types";

/** Distinct documents kept per isolate; past that the cache starts over (it is only a cache). */
const MAX_CACHED = 32;

export function openApiDocuments() {
  const cache = new Map<string, OpenApiObject>();
  return (functions: InferenceFunction[], serverUrl: string): OpenApiObject => {
    const key = JSON.stringify([serverUrl, ...functions.map((fn) => fn.name)]);
    let document = cache.get(key);
    if (!document) {
      if (cache.size >= MAX_CACHED) cache.clear();
      document = openApiDocument(functions, { serverUrl });
      cache.set(key, document);
    }
    return document;
  };
}

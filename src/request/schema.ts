/**
 * Zod schemas for what requests carry, built to be cheap on hostile input: every
 * array is bounded before any element is looked at, numeric arrays are checked in one loop that
 * stops at the first bad element (zod's own `z.array(z.number())` records an issue per element:
 * seconds of CPU and a blown stack for 150,000 strings), and binary payloads are decoded once,
 * strictly. Each schema still describes itself in JSON Schema for `GET /v1/functions`.
 */
import { z } from "zod";
import { InvalidInput } from "../errors";
import { decodePng, type ImageBudget, type RgbImage } from "../images/png";
import { decodeBase64 } from "./base64";

export interface NumbersOptions {
  /** Exactly this many elements. */
  length?: number;
  /** At most this many elements (when the length is not fixed). */
  maxLength?: number;
  min?: number;
  max?: number;
  description: string;
}

/** An array of at most `max` elements, counted before any element is parsed. */
export function boundedArray<T extends z.ZodType>(element: T, max: number) {
  // Documented as the array it admits: the pipe's input side alone would say "items: anything".
  return z
    .array(z.unknown())
    .max(max)
    .pipe(z.array(element))
    .meta({ items: inputJsonSchema(element) });
}

/** What a request may hold for `schema`, as JSON Schema (2020-12, OpenAPI 3.1's dialect). */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
}

/** An array of finite float32 numbers (within `min`..`max`), as a Float32Array. */
export function numbers({ length, maxLength, min = -Infinity, max = Infinity, description }: NumbersOptions) {
  const bounds = length === undefined ? `at most ${maxLength} numbers` : `${length} numbers`;
  const range = Number.isFinite(min) || Number.isFinite(max) ? ` in [${min}, ${max}]` : "";
  return z
    .custom<number[]>(Array.isArray, "expected an array")
    .superRefine((array, ctx) => {
      if (length !== undefined ? array.length !== length : array.length > (maxLength ?? Infinity)) {
        ctx.addIssue({ code: "custom", message: `expected ${bounds}, got ${array.length}` });
        return;
      }
      for (let i = 0; i < array.length; i++) {
        const value = array[i];
        if (typeof value !== "number" || !Number.isFinite(Math.fround(value)) || value < min || value > max) {
          ctx.addIssue({ code: "custom", path: [i], message: `expected a finite number${range}` });
          return;
        }
      }
    })
    .transform((array) => Float32Array.from(array))
    .meta({
      description,
      type: "array",
      items: { type: "number", ...(range ? { minimum: min, maximum: max } : {}) },
      ...(length === undefined ? { maxItems: maxLength } : { minItems: length, maxItems: length }),
    });
}

/** A base64 PNG, decoded once (strictly, within `budget`) into 8-bit RGB. */
export function pngImage(budget: ImageBudget, description: string) {
  return z
    .string()
    .transform((text, ctx): RgbImage => {
      const bytes = decodeBase64(text);
      if (!bytes) {
        ctx.addIssue({ code: "custom", message: "not valid base64", params: { code: "invalid_image" } });
        return z.NEVER;
      }
      try {
        return decodePng(bytes, budget);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        ctx.addIssue({ code: "custom", message: error.message, params: { code: error.code } });
        return z.NEVER;
      }
    })
    .meta({ description, contentEncoding: "base64", contentMediaType: "image/png" });
}

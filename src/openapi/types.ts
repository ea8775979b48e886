/**
 * Parts of an OpenAPI 3.1 document, loosely typed: the document is checked where it matters, by an
 * OpenAPI validator in the tests (openapi.test.ts), not by a mirror of the specification in types.
 */
export type OpenApiObject = { [key: string]: unknown };

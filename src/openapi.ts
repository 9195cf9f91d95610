/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with, so the
 * published contract cannot drift from what `parseBody`/`parseQuery` accept.
 *
 * Routes are documented where they are declared: `apiRoutes(router, base)` in src/http/route.ts
 * mounts a handler and calls `registerRoute` with the same method, full path, schemas and responses:
 *
 *   apiRoutes(twoFactorRoutes, "/api/two-factor")({
 *     method: "post", path: "/start",                                // relative to the router's base
 *     summary: "Start a two-factor challenge", tags: ["Two-factor"],
 *     auth: "apiKey",                                               // "none" only for PUBLIC_ROUTES
 *     body: startRequest,                                           // optional; `query:` likewise
 *     responses: {
 *       200: { description: "Challenge started", schema: startResponse },
 *       400: { description: "Invalid request", schema: errorsSchema },
 *       404: { description: "User not found (empty body)" },          // no schema = empty body
 *     },
 *     handler: async (c, body) => ...,                              // body parsed with startRequest
 *   });
 *
 * `registerRoute` itself is the registry underneath (and what test/openapi.test.ts drives directly).
 *
 * Rules: `:param` segments become required string path parameters; request schemas are rendered
 * as zod *input* types (defaults make fields optional) and response schemas as *output* types;
 * a schema given `.meta({ id: "Name" })` becomes `#/components/schemas/Name`. Routes with
 * `auth: "apiKey"` get the `Authorization` security requirement and, unless they declare one, an
 * empty-body 401. Registering the same method and path twice replaces the earlier entry.
 *
 * This module only describes; it never validates or serves. `src/routes/docs.ts` serves it.
 */
import * as z from "zod";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export type ResponseDoc = {
  description: string;
  /** Omit for FusionAuth's empty-body answers (200 on delete, 401, 404, 421). */
  schema?: z.ZodType;
};

export type RouteDoc = {
  method: HttpMethod;
  /** Full path in Hono syntax, e.g. `/api/tenant/:tenantId`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: "apiKey" | "none";
  body?: z.ZodType;
  query?: z.ZodType;
  responses: Record<number, ResponseDoc>;
};

const fieldError = z.object({
  code: z.string().meta({ description: "`[errorType]field.path` for field errors, `[ErrorName]` for general ones." }),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** FusionAuth's error envelope (FusionAuth API docs, Errors), as `src/errors.ts` serialises it. */
export const errorsSchema = z
  .object({
    generalErrors: z.array(fieldError).optional(),
    fieldErrors: z.record(z.string(), z.array(fieldError)).optional(),
  })
  .meta({ id: "Errors", description: "FusionAuth error envelope." });

/** FusionAuth's 409: a lock prevents the action. */
export const lockedResponse = z
  .object({ actions: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: "LoginPreventedResponse" });

/** Response docs shared by many routes. */
export const INVALID_REQUEST: ResponseDoc = { description: "Invalid request.", schema: errorsSchema };
export const ACCOUNT_LOCKED: ResponseDoc = { description: "The account is locked.", schema: lockedResponse };
export const UNKNOWN_USER: ResponseDoc = { description: "Unknown user (empty)." };
export const WRONG_CODE: ResponseDoc = { description: "Wrong code (empty)." };
/** What a route that checks one of the user's codes answers besides its 200. */
export const CODE_CHECK_RESPONSES = { 400: INVALID_REQUEST, 404: UNKNOWN_USER, 409: ACCOUNT_LOCKED, 421: WRONG_CODE };

const routes = new Map<string, RouteDoc>();
let cached: Record<string, unknown> | undefined;

/** Adds (or replaces) a route in the document. Call at module load. */
export function registerRoute(doc: RouteDoc): void {
  routes.set(`${doc.method} ${doc.path}`, doc);
  cached = undefined;
}

/** The registered routes, for tests that compare the document with the app's route table. */
export function registeredRoutes(): ReadonlyArray<RouteDoc> {
  return [...routes.values()];
}

type Json = Record<string, unknown>;

/** Rewrites `#/$defs/X` refs to `#/components/schemas/<rename(X)>`. */
function rewriteRefs(node: unknown, rename: (id: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, rename));
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")
        ? `#/components/schemas/${rename(v.slice(8))}`
        : rewriteRefs(v, rename);
  }
  return out;
}

/** Converts one zod schema, hoisting its `$defs` into `components.schemas`. */
function toSchema(schema: z.ZodType, io: "input" | "output", components: Record<string, Json>): Json {
  const {
    $schema: _,
    $defs,
    ...json
  } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  const defs = ($defs ?? {}) as Record<string, Json>;
  const names = new Map<string, string>();
  for (const [id, def] of Object.entries(defs)) {
    // The same id can render differently as input and output (defaults, additionalProperties).
    const same = JSON.stringify(rewriteRefs(def, (x) => x)) === JSON.stringify(components[id]);
    names.set(id, components[id] && !same ? `${id}Input` : id);
  }
  const rename = (id: string) => names.get(id) ?? id;
  for (const [id, def] of Object.entries(defs)) components[rename(id)] = rewriteRefs(def, rename) as Json;
  return rewriteRefs(json, rename) as Json;
}

function queryParameters(schema: z.ZodType, components: Record<string, Json>): Json[] {
  const json = toSchema(schema, "input", components);
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({ name, in: "query", required: required.has(name), schema: s }));
}

function operation(doc: RouteDoc, components: Record<string, Json>): Json {
  const params = [...doc.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (doc.query) params.push(...(queryParameters(doc.query, components) as typeof params));
  const responses: Record<string, Json> = {};
  const all = { ...doc.responses };
  if (doc.auth === "apiKey" && !all[401]) all[401] = { description: "Missing or invalid API key (empty body)." };
  for (const [status, r] of Object.entries(all)) {
    responses[status] = r.schema
      ? {
          description: r.description,
          content: { "application/json": { schema: toSchema(r.schema, "output", components) } },
        }
      : { description: r.description };
  }
  const op: Json = {
    summary: doc.summary,
    tags: doc.tags,
    operationId: `${doc.method}${doc.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch?: string) => (ch ?? "").toUpperCase())}`,
    responses,
  };
  if (doc.description) op.description = doc.description;
  if (params.length) op.parameters = params;
  // An empty body is validated as `{}` (src/http/validate.ts), so the body is optional when `{}` passes.
  if (doc.body)
    op.requestBody = {
      required: !doc.body.safeParse({}).success,
      content: { "application/json": { schema: toSchema(doc.body, "input", components) } },
    };
  op.security = doc.auth === "apiKey" ? [{ apiKey: [] }] : [];
  return op;
}

/** Builds (once per registry state) the OpenAPI 3.1 document for every registered route. */
export function buildOpenAPIDocument(): Record<string, unknown> {
  if (cached) return cached;
  const components: Record<string, Json> = {};
  toSchema(errorsSchema, "output", components);
  const paths: Record<string, Json> = {};
  const sorted = [...routes.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const doc of sorted) {
    const path = doc.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const item = paths[path] ?? {};
    item[doc.method] = operation(doc, components);
    paths[path] = item;
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "edge-mfa",
      version: "0.1.0",
      description:
        "A FusionAuth-compatible multi-factor authentication API. Authenticate with `Authorization: <API key>` (no `Bearer`); " +
        "select a tenant with `X-FusionAuth-TenantId` or a tenant-scoped key. Errors use FusionAuth's envelope; 401, 404 and 421 have empty bodies.",
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "The raw API key, without a `Bearer` prefix.",
        },
      },
    },
  };
  return cached;
}

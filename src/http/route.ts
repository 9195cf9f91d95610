/**
 * One declaration per API route: `apiRoutes(router, base)` returns `route({...})`, which mounts the
 * handler on the Hono router AND registers its OpenAPI operation (src/openapi.ts) from the same
 * object, so the published body/query schemas are the ones the handler is given parsed data from.
 *
 *   const route = apiRoutes(twoFactorRoutes, "/api/two-factor");   // the prefix app.ts mounts it under
 *   route({
 *     method: "post", path: "/start",                                // relative to the router, Hono syntax
 *     summary: "Start a challenge", tags: ["Two-factor"], auth: "apiKey",
 *     body: startRequest,                                            // parsed with parseBody before the handler
 *     responses: { 200: { description: "Started.", schema: startResponse }, 400: INVALID_REQUEST },
 *     handler: async (c, body) => c.json(await startTwoFactor(c.var.services, ..., body)),
 *   });
 *
 * The handler is `(c, body, query)`: `body` is `parseBody(c, def.body)` and `query` is
 * `parseQuery(c, def.query)` (undefined when not declared), so error envelopes are those of
 * src/http/validate.ts (FusionAuth's `[blank]`/`[invalid]field` codes, an empty body validated as `{}`).
 * Positional, not an options object: the completion path allocates nothing per request here.
 *
 * - `before(c)` runs before anything is parsed: checks FusionAuth makes first (a malformed path id
 *   answers 404 before the body is looked at, a missing tenant before a bad field). What it returns
 *   is the handler's fourth argument.
 * - `parse: false`: `body`/`query` only document the request and the handler reads it itself (PATCH
 *   merges the stored object before validating, RFC 7396; OAuth endpoints read a form). Say why at the route.
 * - `onError(c, err)`: sees any error of the parse or the handler and must rethrow (or throw another).
 * - A path mounted but not documented (an alias) is mounted with `mountOnly(router, def)`.
 *
 * Everything is built at module load: one wrapper function per route, no per-request closures.
 */
import type { Context, Env, Hono } from "hono";
import type * as z from "zod";
import { type RouteDoc, registerRoute } from "../openapi.ts";
import { parseBody, parseQuery } from "./validate.ts";

export type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export type ApiRoute<
  E extends Env,
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P = undefined,
> = Omit<RouteDoc, "body" | "query"> & {
  body?: B;
  query?: Q;
  parse?: false;
  before?: (c: Context<E>) => P | Promise<P>;
  onError?: (c: Context<E>, err: unknown) => Promise<never>;
  handler: (c: Context<E>, body: Parsed<B>, query: Parsed<Q>, pre: P) => Response | Promise<Response>;
};

/** `base` + relative path, as the docs write it: `/api/user` + `/` → `/api/user`. */
export function joinPath(base: string, path: string): string {
  const joined = `${base.replace(/\/$/, "")}${path === "/" ? "" : path}`;
  return joined === "" ? "/" : joined;
}

function runner<E extends Env, B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P>(
  def: ApiRoute<E, B, Q, P>,
): (c: Context<E>) => Promise<Response> {
  const { before, handler } = def;
  const body = def.parse === false ? undefined : def.body;
  const query = def.parse === false ? undefined : def.query;
  const run = async (c: Context<E>): Promise<Response> => {
    const pre = (before ? await before(c) : undefined) as P;
    const b = (body ? await parseBody(c, body) : undefined) as Parsed<B>;
    const q = (query ? parseQuery(c, query) : undefined) as Parsed<Q>;
    return handler(c, b, q, pre);
  };
  const { onError } = def;
  if (!onError) return run;
  return async (c) => {
    try {
      return await run(c);
    } catch (err) {
      return onError(c, err);
    }
  };
}

/** Mounts a route without documenting it (an undocumented alias of a documented path). */
export function mountOnly<E extends Env, B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P>(
  router: Hono<E>,
  def: ApiRoute<E, B, Q, P>,
): void {
  router.on(def.method.toUpperCase(), def.path, runner(def));
}

/** `route(def)` for a router mounted at `base` in src/app.ts: mounts `def.handler` and documents it. */
export function apiRoutes<E extends Env>(router: Hono<E>, base: string) {
  return <B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P = undefined>(
    def: ApiRoute<E, B, Q, P>,
  ): void => {
    const { handler: _h, before: _b, onError: _e, parse: _p, ...doc } = def;
    registerRoute({ ...doc, path: joinPath(base, def.path) });
    mountOnly(router, def);
  };
}

/**
 * FusionAuth's create pair: `POST <path>` with a generated id and `POST <path>/:<param>` with the
 * caller's (`chosenId` validates it first, e.g. `[invalid]keyId`); `tenant(c)` runs next, before the body.
 */
export function createRoutes<E extends Env, B extends z.ZodType, T>(
  route: ReturnType<typeof apiRoutes<E>>,
  def: Omit<ApiRoute<E, B, undefined, T>, "method" | "path" | "summary" | "before" | "handler"> & {
    path: string;
    param: string;
    summaries: readonly [generated: string, chosen: string];
    chosenId: (c: Context<E>, param: string) => string;
    tenant: (c: Context<E>) => T;
    create: (c: Context<E>, tenant: T, id: string, body: Parsed<B>) => Promise<Response>;
  },
): void {
  const { path, param, summaries, chosenId, tenant, create, ...doc } = def;
  route<B, undefined, T>({
    ...doc,
    method: "post",
    path,
    summary: summaries[0],
    before: tenant,
    handler: (c, body, _q, t) => create(c, t, crypto.randomUUID(), body),
  });
  route<B, undefined, { id: string; t: T }>({
    ...doc,
    method: "post",
    path: `${path === "/" ? "" : path}/:${param}`,
    summary: summaries[1],
    before: (c) => ({ id: chosenId(c, param).toLowerCase(), t: tenant(c) }),
    handler: (c, body, _q, { id, t }) => create(c, t, id, body),
  });
}

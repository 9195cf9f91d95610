/**
 * /api/webauthn: FusionAuth's passkey API. Registration start/complete, authentication options
 * (`/start`, also for a challenge's passkey via `twoFactorId`), passwordless login (`/login`, no key,
 * LoginResponse incl. 242), re-authentication (`/assert`, no key), and credential retrieval and
 * deletion. Base64url strings throughout, as FusionAuth's client sends them.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { apiRoutes } from "../http/route.ts";
import { requireTenant, requireTenantRow } from "../middleware/auth.ts";
import { errorsSchema, UNKNOWN_USER } from "../openapi.ts";
import { tenantContext } from "../services/tenant-context.ts";
import {
  deleteCredentials,
  deletePasskey,
  getCredential,
  listCredentials,
  toCredentialJson,
} from "../services/passkeys.ts";
import { loadUser } from "../services/users.ts";
import { methodsRemoved } from "../services/security-events.ts";
import { requireStepUpFor, stepUpNote, TRUST_TOKEN_HEADER } from "../services/step-up.ts";
import { requestFacts, tenantHeader } from "../http/request-info.ts";
import { clientIpBucket } from "../domain/client-ip.ts";
import { passkeyAssert, passkeyLogin, startAuthentication } from "../services/webauthn.ts";
import { completeRegistration, startRegistration } from "../services/passkey-registration.ts";
import { answer } from "./outcomes.ts";
import { lockedResponse, loginResponse, twoFactorChallenge, uuid } from "./schemas.ts";
import {
  registerStartRequest,
  registerCompleteRequest,
  startRequest,
  assertionRequest,
  userQuery,
} from "./webauthn-schemas.ts";

export { assertionCredential, registrationCredential } from "./webauthn-schemas.ts";

export const webAuthnRoutes = new Hono<AppEnv>();
const route = apiRoutes(webAuthnRoutes, "/api/webauthn");

const tags = ["WebAuthn"];
const invalid = {
  description:
    "Invalid request, WebAuthn disabled for the tenant or workflow (`[WebAuthnDisabled]`), or a response that failed verification (`[WebAuthnFailed]`, one generic answer for every reason).",
  schema: errorsSchema,
};
const locked = {
  description:
    "The account is locked (by failed passwords or codes; a failed assertion on /login or /assert does not count toward the lock).",
  schema: lockedResponse,
};
const throttled = {
  description:
    "Throttled (`[TooManyRequests]`, Retry-After): per client IP, or per credential id for an assertion that failed.",
  schema: errorsSchema,
};
const credentialJson = z.record(z.string(), z.unknown()).meta({
  id: "WebAuthnCredential",
  description:
    "FusionAuth's WebAuthnCredential; `publicKey` is the COSE key (base64url); plus `backupEligible`, `backedUp`, `aaguid`.",
});
const optionsJson = z.object({ options: z.record(z.string(), z.unknown()) });

route({
  method: "post",
  path: "/register/start",
  summary: "Start a passkey registration (creation options)",
  description: stepUpNote("passkey:register"),
  tags,
  auth: "apiKey",
  body: registerStartRequest,
  responses: {
    200: { description: "PublicKeyCredentialCreationOptions (JSON form).", schema: optionsJson },
    400: invalid,
    404: UNKNOWN_USER,
  },
  handler: async (c, body) => {
    const ctx = tenantContext(requireTenantRow(c));
    await requireStepUpFor(c.var.services, ctx, body.userId, "passkey:register", c.req.header(TRUST_TOKEN_HEADER));
    return c.json(await startRegistration(c.var.services, ctx, body));
  },
});

route({
  method: "post",
  path: "/register/complete",
  summary: "Complete a passkey registration",
  tags,
  auth: "apiKey",
  body: registerCompleteRequest,
  responses: {
    200: { description: "The stored credential.", schema: z.object({ credential: credentialJson }) },
    400: invalid,
  },
  handler: async (c, body) => {
    const credential = {
      ...body.credential,
      response: {
        ...body.credential.response,
        transports: body.credential.response.transports ?? body.credential.transports,
      },
    };
    return c.json(
      await completeRegistration(c.var.services, tenantContext(requireTenantRow(c)), {
        ...body,
        credential,
        info: requestFacts(c).info,
      }),
    );
  },
});

route({
  method: "post",
  path: "/start",
  summary: "Start a passkey login, re-authentication, or (with twoFactorId) a challenge's passkey",
  tags,
  auth: "apiKey",
  body: startRequest,
  responses: {
    200: { description: "PublicKeyCredentialRequestOptions (JSON form).", schema: optionsJson },
    400: invalid,
    404: { description: "Unknown user, or unknown/expired twoFactorId or one without passkeys (empty)." },
    409: locked,
  },
  handler: async (c, body) =>
    c.json(await startAuthentication(c.var.services, tenantContext(requireTenantRow(c)), body)),
});

const clientIp = (c: { req: { header(name: string): string | undefined } }) =>
  clientIpBucket(c.req.header("cf-connecting-ip"));

route({
  method: "post",
  path: "/login",
  summary: "Log in with a passkey (no API key)",
  tags,
  auth: "none",
  body: assertionRequest,
  responses: {
    200: { description: "Authenticated.", schema: loginResponse },
    202: { description: "Authenticated, but not registered for the application.", schema: loginResponse },
    242: {
      description: "Passkey without user verification and the login policy asks for another factor.",
      schema: twoFactorChallenge,
    },
    400: invalid,
    409: locked,
    429: throttled,
  },
  handler: async (c, body) => {
    // FusionAuth: the `fusionauth.trust` cookie wins over the body's twoFactorTrustId.
    const twoFactorTrustId = getCookie(c, "fusionauth.trust") ?? body.twoFactorTrustId;
    const out = await passkeyLogin(
      c.var.services,
      { ...body, twoFactorTrustId, facts: requestFacts(c, body), clientIp: clientIp(c) },
      tenantHeader(c),
    );
    return answer(c, out);
  },
});

route({
  method: "post",
  path: "/assert",
  summary: "Verify a passkey without logging in (no API key)",
  tags,
  auth: "none",
  body: assertionRequest,
  responses: {
    200: { description: "Verified.", schema: z.object({ credential: credentialJson }) },
    400: invalid,
    409: locked,
    429: throttled,
  },
  handler: async (c, body) =>
    answer(
      c,
      await passkeyAssert(
        c.var.services,
        { ...body, facts: requestFacts(c, body), clientIp: clientIp(c) },
        tenantHeader(c),
      ),
    ),
});

/** GET / DELETE `?userId=`: an unknown user (or another tenant's) is 404, as for every user lookup. */
async function requireUser(c: Context<AppEnv>, userId: string): Promise<string> {
  const tenantId = requireTenant(c);
  if (!(await loadUser(c.var.services.db, tenantId, { by: "id", id: userId }))) throw ApiError.notFound();
  return tenantId;
}

route({
  method: "get",
  path: "/",
  summary: "A user's passkeys",
  tags,
  auth: "apiKey",
  query: userQuery,
  responses: {
    200: { description: "The credentials.", schema: z.object({ credentials: z.array(credentialJson) }) },
    400: invalid,
    404: UNKNOWN_USER,
  },
  handler: async (c, _, { userId }) => {
    const tenantId = await requireUser(c, userId);
    return c.json({ credentials: (await listCredentials(c.var.services, tenantId, userId)).map(toCredentialJson) });
  },
});

route({
  method: "delete",
  path: "/",
  summary: "Delete all of a user's passkeys",
  description: stepUpNote("passkey:delete"),
  tags,
  auth: "apiKey",
  query: userQuery,
  responses: {
    200: { description: "Deleted (empty body)." },
    400: invalid,
    404: UNKNOWN_USER,
  },
  handler: async (c, _, { userId }) => {
    const tenantId = await requireUser(c, userId);
    await requireStepUpFor(
      c.var.services,
      tenantContext(requireTenantRow(c)),
      userId,
      "passkey:delete",
      c.req.header(TRUST_TOKEN_HEADER),
    );
    const rows = await listCredentials(c.var.services, tenantId, userId);
    await deleteCredentials(c.var.services, tenantId, { userId });
    await methodsRemoved(
      c.var.services,
      { tenantId, userId, info: requestFacts(c).info },
      rows.map((r) => ({ id: r.id, method: "webauthn", name: r.name })),
    );
    return c.body(null, 200);
  },
});

route({
  method: "get",
  path: "/:id",
  summary: "A passkey",
  tags,
  auth: "apiKey",
  responses: {
    200: { description: "The credential.", schema: z.object({ credential: credentialJson }) },
    404: { description: "Not found (empty)." },
  },
  handler: async (c) => {
    const id = c.req.param("id") ?? "";
    const row = uuid.safeParse(id).success ? await getCredential(c.var.services, requireTenant(c), id) : null;
    if (!row) throw ApiError.notFound();
    return c.json({ credential: toCredentialJson(row) });
  },
});

route({
  method: "delete",
  path: "/:id",
  summary: "Delete a passkey",
  description: stepUpNote("passkey:delete"),
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: { description: "Not found (empty)." } },
  handler: async (c) => {
    const id = c.req.param("id") ?? "";
    const tenantId = requireTenant(c);
    const row = uuid.safeParse(id).success ? await getCredential(c.var.services, tenantId, id) : null;
    if (!row) throw ApiError.notFound();
    await requireStepUpFor(
      c.var.services,
      tenantContext(requireTenantRow(c)),
      row.userId,
      "passkey:delete",
      c.req.header(TRUST_TOKEN_HEADER),
    );
    if (!(await deletePasskey(c.var.services, row, requestFacts(c).info))) throw ApiError.notFound();
    return c.body(null, 200);
  },
});

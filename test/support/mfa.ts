/**
 * Test support for the MFA flows: an app with a controllable clock, direct D1 seeding of tenants and
 * API keys (so these tests do not depend on the tenant API), and small request helpers.
 * The clock matters: every Durable Object decision takes `now` from the worker, so moving
 * `clock.now` moves the whole system (TOTP steps, expiry, lock durations) without sleeping.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app.ts";
import { base32Decode } from "../../src/domain/encoding.ts";
import { generateTOTP } from "../../src/domain/totp.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { keyedHash } from "../../src/services/hashing.ts";

export const clock = { now: Math.floor(Date.now() / 1000) };
export const app = createApp({ overrides: { now: () => clock.now } });

export type Call = { status: number; body: any; text: string; headers: Headers };

/** Another app and bindings to call instead of the default ones (e.g. real provider adapters over a fake fetch). */
export type Target = { app: ReturnType<typeof createApp>; env: Env };

/** `cf`: Cloudflare's request.cf as the edge would attach it (country, city, latitude, longitude, asn). */
export async function call(
  method: string,
  path: string,
  opts: {
    key?: string | null;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    via?: Target;
    cf?: Record<string, unknown>;
  } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers.authorization = opts.key;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const ctx = createExecutionContext();
  const res = await (opts.via?.app ?? app).fetch(
    new Request(`http://edge-mfa.test${path}`, {
      method,
      headers,
      body,
      ...(opts.cf ? { cf: opts.cf } : {}),
    } as RequestInit),
    opts.via?.env ?? env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let parsed: unknown;
  if ((res.headers.get("content-type") ?? "").startsWith("application/json") && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, text, headers: res.headers };
}

function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replace(/[+/=]/g, "x");
}

/** Inserts a tenant and a tenant-scoped API key straight into D1; returns both. */
export async function seedTenant(settings: Record<string, unknown> = {}): Promise<{ tenantId: string; key: string }> {
  const tenantId = crypto.randomUUID();
  const key = randomKey();
  const now = Math.floor(Date.now() / 1000);
  const hash = await keyedHash(utf8(env.HASH_PEPPER), "api-key", key);
  await env.DB.batch([
    env.DB.prepare("INSERT INTO tenants (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").bind(
      tenantId,
      `tenant ${tenantId}`,
      JSON.stringify(settings),
      now,
      now,
    ),
    env.DB.prepare(
      "INSERT INTO api_keys (id, tenant_id, key_hash, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).bind(crypto.randomUUID(), tenantId, hash, "test", now, now),
  ]);
  return { tenantId, key };
}

export async function seedApplication(tenantId: string, settings: Record<string, unknown> = {}): Promise<string> {
  const id = crypto.randomUUID();
  const now = Math.floor(Date.now() / 1000);
  await env.DB.prepare(
    "INSERT INTO applications (id, tenant_id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(id, tenantId, "app", JSON.stringify(settings), now, now)
    .run();
  return id;
}

export const PASSWORD = "correct horse battery staple";

export async function createUser(
  key: string,
  fields: Record<string, unknown> = {},
): Promise<{ id: string; email: string }> {
  const email = `u-${crypto.randomUUID()}@example.com`;
  const r = await call("POST", "/api/user", { key, body: { user: { email, password: PASSWORD, ...fields } } });
  if (r.status !== 200) throw new Error(`createUser: ${r.status} ${r.text}`);
  return { id: r.body.user.id, email };
}

/** TOTP code for `clock.now + offsetSteps·30` from a Base32 secret. */
export function totp(secretBase32: string, offsetSteps = 0): Promise<string> {
  return generateTOTP(base32Decode(secretBase32), clock.now + offsetSteps * 30);
}

/** Moves the clock to the start of a fresh 30 s step (so ±1 windows are unambiguous). */
export function nextStep(): void {
  clock.now = (Math.floor(clock.now / 30) + 1) * 30 + 1;
}

export type Enrolled = {
  userId: string;
  email: string;
  secretBase32: string;
  methodId: string;
  recoveryCodes: string[];
};

/** Creates a user with an authenticator method; the enrolment code's step is used up afterwards. */
export async function enrolledUser(key: string): Promise<Enrolled> {
  const { id, email } = await createUser(key);
  const secret = await call("GET", "/api/two-factor/secret", { key });
  const code = await totp(secret.body.secretBase32Encoded);
  const r = await call("POST", `/api/user/two-factor/${id}`, {
    key,
    body: {
      method: "authenticator",
      code,
      secret: secret.body.secret,
      secretBase32Encoded: secret.body.secretBase32Encoded,
    },
  });
  if (r.status !== 200) throw new Error(`enable: ${r.status} ${r.text}`);
  const user = await call("GET", `/api/user/${id}`, { key });
  nextStep();
  return {
    userId: id,
    email,
    secretBase32: secret.body.secretBase32Encoded,
    methodId: user.body.user.twoFactor.methods[0].id,
    recoveryCodes: r.body.recoveryCodes,
  };
}

/** Password login that must answer 242; returns the twoFactorId. */
export async function loginFor242(key: string, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD, ...extra } });
  if (r.status !== 242) throw new Error(`login: expected 242, got ${r.status} ${r.text}`);
  return r.body.twoFactorId;
}

export function decodeJwt(token: string): Record<string, any> {
  const part = token.split(".")[1]!;
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

/**
 * Registers the user for the application (FusionAuth answers a login naming an application the user
 * is not registered for with 202, so tests that expect 200 with an `applicationId` register first).
 */
export async function registerUser(
  key: string,
  userId: string,
  applicationId: string,
  roles?: string[],
): Promise<void> {
  const r = await call("POST", `/api/user/registration/${userId}`, {
    key,
    body: { registration: { applicationId, ...(roles ? { roles } : {}) } },
  });
  if (r.status !== 200) throw new Error(`registerUser: ${r.status} ${r.text}`);
}

/**
 * The registration API in FusionAuth's shape, driven by the unmodified @fusionauth/typescript-client
 * (register, retrieveRegistration, updateRegistration, patchRegistration, deleteRegistration), and its
 * tenant scoping: a tenant-scoped key cannot see or touch another tenant's users, applications or
 * registrations.
 */
import { describe, expect, it } from "vitest";
import type ClientResponse from "@fusionauth/typescript-client/build/src/ClientResponse";
import { api, createApiKey, createApplication, createTenant, expectEmpty } from "../helpers.ts";
import { fusionAuthClient } from "../support/fusionauth-client.ts";

const PASSWORD = "correct horse battery staple";
const ROLES = [
  { name: "admin", isSuperRole: true },
  { name: "user", isDefault: true },
  { name: "viewer", isDefault: true },
  { name: "editor" },
];

async function setup() {
  const tenant = await createTenant();
  const app = await createApplication(tenant.id, { roles: ROLES });
  const { key } = await createApiKey(tenant.id);
  const email = `r-${crypto.randomUUID()}@example.com`;
  const user = (await api("/api/user", { method: "POST", key, body: { user: { email, password: PASSWORD } } })).json
    .user;
  return { tenant, app, key, user, email, client: fusionAuthClient(key) };
}

/** The status a rejected client call carried (the client rejects on any non-2xx). */
async function rejected(p: Promise<ClientResponse<unknown>>): Promise<{ status: number; body: unknown }> {
  try {
    const r = await p;
    return { status: r.statusCode, body: r.response };
  } catch (e) {
    const r = e as ClientResponse<unknown>;
    return { status: r.statusCode, body: r.response };
  }
}

describe("registrations through @fusionauth/typescript-client", () => {
  it("register → retrieve → update → patch → delete", async () => {
    const { app, user, client } = await setup();
    const created = await client.register(user.id, { registration: { applicationId: app.id, roles: ["admin"] } });
    expect(created.statusCode).toBe(200);
    expect(created.response.registration).toMatchObject({ applicationId: app.id, roles: ["admin"], verified: true });
    expect(created.response.registration?.id).toMatch(/^[0-9a-f-]{36}$/);

    const got = await client.retrieveRegistration(user.id, app.id);
    expect(got.response.registration).toEqual(created.response.registration);

    const updated = await client.updateRegistration(user.id, {
      registration: { applicationId: app.id, roles: ["editor", "admin"], data: { plan: "gold" } },
    });
    expect(updated.response.registration).toMatchObject({ roles: ["admin", "editor"], data: { plan: "gold" } });

    const patched = await client.patchRegistration(user.id, {
      registration: { applicationId: app.id, roles: ["viewer"] },
    });
    expect(patched.response.registration).toMatchObject({
      roles: ["admin", "editor", "viewer"],
      data: { plan: "gold" },
    });

    expect((await client.deleteRegistration(user.id, app.id)).statusCode).toBe(200);
    expect((await rejected(client.retrieveRegistration(user.id, app.id))).status).toBe(404);
    expect((await rejected(client.deleteRegistration(user.id, app.id))).status).toBe(404);
  });

  it("no roles given → the application's default roles; the user JSON lists the registrations", async () => {
    const { app, user, client, key } = await setup();
    const r = await client.register(user.id, { registration: { applicationId: app.id } });
    expect(r.response.registration?.roles).toEqual(["user", "viewer"]);
    expect(r.response.user?.registrations?.map((x) => x.applicationId)).toEqual([app.id]);
    const fetched = await api(`/api/user/${user.id}`, { key });
    expect(fetched.json.user.registrations).toEqual([r.response.registration]);
  });

  it("the combined create (user + registration), tolerating the Express kickstart's top-level roles", async () => {
    const { app, client, key } = await setup();
    const email = `c-${crypto.randomUUID()}@example.com`;
    const r = await client.register(
      null as unknown as string,
      {
        user: { email, password: PASSWORD },
        registration: { applicationId: app.id, roles: ["admin"] },
        roles: ["admin"],
      } as never,
    );
    expect(r.statusCode).toBe(200);
    expect(r.response.user?.email).toBe(email);
    expect(r.response.registration?.roles).toEqual(["admin"]);
    const login = await api("/api/login", { method: "POST", key, body: { loginId: email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const stored = await api(`/api/user/registration/${r.response.user?.id}/${app.id}`, { key });
    expect(stored.json.registration.roles).toEqual(["admin"]);
  });

  it("the combined create with the path's user id (key valid for all tenants)", async () => {
    const { tenant, app } = await setup();
    const id = crypto.randomUUID();
    const r = await api(`/api/user/registration/${id}`, {
      method: "POST",
      tenantId: tenant.id,
      body: { user: { email: `p-${id}@example.com` }, registration: { applicationId: app.id } },
    });
    expect({ status: r.status, id: r.json.user.id }).toEqual({ status: 200, id });
  });

  it("a combined create with an unknown role creates nothing", async () => {
    const { app, key } = await setup();
    const email = `n-${crypto.randomUUID()}@example.com`;
    const r = await api("/api/user/registration", {
      method: "POST",
      key,
      body: { user: { email, password: PASSWORD }, registration: { applicationId: app.id, roles: ["root"] } },
    });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors["registration.roles"][0].code).toBe("[invalid]registration.roles");
    expectEmpty(await api(`/api/user?email=${encodeURIComponent(email)}`, { key }), 404);
  });
});

describe("registration errors", () => {
  it("unknown role → 400 [invalid]registration.roles, on create and update", async () => {
    const { app, user, key } = await setup();
    const bad = await api(`/api/user/registration/${user.id}`, {
      method: "POST",
      key,
      body: { registration: { applicationId: app.id, roles: ["admin", "root"] } },
    });
    expect({ status: bad.status, code: bad.json?.fieldErrors?.["registration.roles"]?.[0]?.code }).toEqual({
      status: 400,
      code: "[invalid]registration.roles",
    });
    await api(`/api/user/registration/${user.id}`, {
      method: "POST",
      key,
      body: { registration: { applicationId: app.id } },
    });
    const put = await api(`/api/user/registration/${user.id}/${app.id}`, {
      method: "PUT",
      key,
      body: { registration: { roles: ["root"] } },
    });
    expect(put.json?.fieldErrors?.["registration.roles"]?.[0]?.code).toBe("[invalid]registration.roles");
  });

  it("a second registration for the same application → 400 [duplicate]registration", async () => {
    const { app, user, key } = await setup();
    const body = { registration: { applicationId: app.id } };
    expect((await api(`/api/user/registration/${user.id}`, { method: "POST", key, body })).status).toBe(200);
    const dup = await api(`/api/user/registration/${user.id}`, { method: "POST", key, body });
    expect({ status: dup.status, code: dup.json?.fieldErrors?.registration?.[0]?.code }).toEqual({
      status: 400,
      code: "[duplicate]registration",
    });
  });

  it("a missing user → 404 empty; a missing application → 400 [invalid]registration.applicationId", async () => {
    const { app, user, key } = await setup();
    expectEmpty(
      await api(`/api/user/registration/${crypto.randomUUID()}`, {
        method: "POST",
        key,
        body: { registration: { applicationId: app.id } },
      }),
      404,
    );
    const r = await api(`/api/user/registration/${user.id}`, {
      method: "POST",
      key,
      body: { registration: { applicationId: crypto.randomUUID() } },
    });
    expect(r.json?.fieldErrors?.["registration.applicationId"]?.[0]?.code).toBe("[invalid]registration.applicationId");
    expectEmpty(await api(`/api/user/registration/${user.id}/${app.id}`, { key }), 404);
  });

  it("without a user and without a path user id → 400 [blank]userId", async () => {
    const { app, key } = await setup();
    const r = await api("/api/user/registration", {
      method: "POST",
      key,
      body: { registration: { applicationId: app.id } },
    });
    expect(r.json?.fieldErrors?.userId?.[0]?.code).toBe("[blank]userId");
  });
});

describe("registrations are tenant-scoped like the user API", () => {
  it("another tenant's key cannot register, read, update or delete a registration of this tenant", async () => {
    const a = await setup();
    const b = await setup();
    const body = { registration: { applicationId: a.app.id } };
    // B's key naming A's user: 404 like a missing user (B's tenant has no such user).
    expectEmpty(await api(`/api/user/registration/${a.user.id}`, { method: "POST", key: b.key, body }), 404);
    expect((await api(`/api/user/registration/${a.user.id}`, { method: "POST", key: a.key, body })).status).toBe(200);
    const path = `/api/user/registration/${a.user.id}/${a.app.id}`;
    expectEmpty(await api(path, { key: b.key }), 404);
    expectEmpty(await api(path, { method: "PUT", key: b.key, body: { registration: { roles: ["admin"] } } }), 404);
    expectEmpty(await api(path, { method: "PATCH", key: b.key, body: { registration: { roles: ["admin"] } } }), 404);
    expectEmpty(await api(path, { method: "DELETE", key: b.key }), 404);
    expect((await api(path, { key: a.key })).json.registration.roles).toEqual(["user", "viewer"]);
  });

  it("an application of another tenant cannot be named, neither for an existing user nor in a combined create", async () => {
    const a = await setup();
    const b = await setup();
    const r = await api(`/api/user/registration/${b.user.id}`, {
      method: "POST",
      key: b.key,
      body: { registration: { applicationId: a.app.id } },
    });
    expect(r.json?.fieldErrors?.["registration.applicationId"]?.[0]?.code).toBe("[invalid]registration.applicationId");
    const email = `x-${crypto.randomUUID()}@example.com`;
    const combined = await api("/api/user/registration", {
      method: "POST",
      key: b.key,
      body: { user: { email }, registration: { applicationId: a.app.id } },
    });
    expect(combined.status).toBe(400);
    expectEmpty(await api(`/api/user?email=${encodeURIComponent(email)}`, { key: b.key }), 404);
  });

  it("a key valid for all tenants acting in tenant A cannot join A's user to B's application", async () => {
    const a = await setup();
    const b = await setup();
    const r = await api(`/api/user/registration/${a.user.id}`, {
      method: "POST",
      tenantId: a.tenant.id,
      body: { registration: { applicationId: b.app.id } },
    });
    expect(r.status).toBe(400);
  });

  it("a tenant-scoped key cannot choose the user id of a combined create", async () => {
    const { app, key } = await setup();
    const r = await api(`/api/user/registration/${crypto.randomUUID()}`, {
      method: "POST",
      key,
      body: { user: { email: `k-${crypto.randomUUID()}@example.com` }, registration: { applicationId: app.id } },
    });
    expect(r.json?.fieldErrors?.userId?.[0]?.code).toBe("[invalid]userId");
  });
});

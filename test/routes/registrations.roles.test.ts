/**
 * Application roles (FusionAuth's `application.roles[]`): stored with the application, returned on
 * every read with an id and the `isDefault` / `isSuperRole` flags, names unique per application.
 */
import { describe, expect, it } from "vitest";
import { api, createApplication, createTenant } from "../helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("application roles", () => {
  it("are stored on create and returned on GET with ids and defaulted flags", async () => {
    const tenant = await createTenant();
    const created = await createApplication(tenant.id, {
      roles: [
        { name: "admin", description: "Everything", isSuperRole: true },
        { name: "user", isDefault: true },
      ],
    });
    const got = (await api(`/api/application/${created.id}`, { tenantId: tenant.id })).json.application;
    expect(got.roles).toEqual([
      {
        id: expect.stringMatching(UUID),
        name: "admin",
        description: "Everything",
        isDefault: false,
        isSuperRole: true,
      },
      { id: expect.stringMatching(UUID), name: "user", isDefault: true, isSuperRole: false },
    ]);
    // Ids are kept from create to read (a role is referred to by name in registrations, by id in the admin UI).
    expect(got.roles.map((r: { id: string }) => r.id)).toEqual(created.roles.map((r: { id: string }) => r.id));
  });

  it("an application without roles answers roles: []", async () => {
    const tenant = await createTenant();
    expect((await createApplication(tenant.id)).roles).toEqual([]);
  });

  it("a given role id is kept; PATCH appends roles and keeps the existing ids", async () => {
    const tenant = await createTenant();
    const id = crypto.randomUUID();
    const app = await createApplication(tenant.id, { roles: [{ id, name: "viewer" }] });
    expect(app.roles[0].id).toBe(id);
    const r = await api(`/api/application/${app.id}`, {
      method: "PATCH",
      tenantId: tenant.id,
      body: { application: { roles: [{ name: "editor" }] } },
    });
    expect(r.status).toBe(200);
    expect(r.json.application.roles.map((x: { name: string }) => x.name)).toEqual(["viewer", "editor"]);
    expect(r.json.application.roles[0].id).toBe(id);
  });

  it("role names are unique per application: a duplicate is 400 [duplicate]application.roles, on POST and PATCH", async () => {
    const tenant = await createTenant();
    const dup = await api("/api/application", {
      method: "POST",
      tenantId: tenant.id,
      body: { application: { name: "a", roles: [{ name: "admin" }, { name: "admin" }] } },
    });
    expect({ status: dup.status, codes: Object.keys(dup.json?.fieldErrors ?? {}) }).toEqual({
      status: 400,
      codes: ["application.roles"],
    });
    expect(dup.json.fieldErrors["application.roles"][0].code).toBe("[duplicate]application.roles");
    const app = await createApplication(tenant.id, { roles: [{ name: "admin" }] });
    const patch = await api(`/api/application/${app.id}`, {
      method: "PATCH",
      tenantId: tenant.id,
      body: { application: { roles: [{ name: "admin" }] } },
    });
    expect(patch.status).toBe(400);
    // The same name in another application is fine.
    expect((await createApplication(tenant.id, { roles: [{ name: "admin" }] })).roles[0].name).toBe("admin");
  });

  it("a role without a name is refused", async () => {
    const tenant = await createTenant();
    const r = await api("/api/application", {
      method: "POST",
      tenantId: tenant.id,
      body: { application: { name: "a", roles: [{ description: "nameless" }] } },
    });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors).toHaveProperty(["application.roles.0.name"]);
  });
});

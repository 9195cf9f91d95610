/**
 * Hostile and malformed input on the MFA routes: every case answers a FusionAuth-style 400 (or the
 * FusionAuth status for that route), never a 500, and stores nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createUser, enrolledUser, loginFor242, seedTenant } from "../support/mfa.ts";

async function methodCount(userId: string): Promise<number> {
  const r = await env.DB.prepare("SELECT count(*) AS n FROM mfa_methods WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return r!.n;
}

describe("enable: malformed input is a 400 with fieldErrors and stores nothing", () => {
  const cases: Array<[string, unknown, string]> = [
    ["missing code", { method: "authenticator", secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, "[blank]code"],
    [
      "code of the wrong type",
      { method: "authenticator", code: 123456, secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      "[invalid]code",
    ],
    [
      "unknown method",
      { method: "carrier-pigeon", code: "123456", secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      "[invalid]method",
    ],
    ["secret that is not Base64", { method: "authenticator", code: "123456", secret: "!!!!" }, "[invalid]secret"],
    ["secret too short", { method: "authenticator", code: "123456", secret: "AAAA" }, "[invalid]secret"],
    ["no secret at all", { method: "authenticator", code: "123456" }, "[blank]secret"],
    [
      "huge code",
      { method: "authenticator", code: "1".repeat(10_000), secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      "[tooLong]code",
    ],
    [
      "email method while email is disabled on the tenant",
      { method: "email", code: "123456", email: "a@example.com" },
      "[invalid]method",
    ],
  ];
  for (const [name, body, code] of cases) {
    it(name, async () => {
      const { key } = await seedTenant();
      const { id } = await createUser(key);
      const r = await call("POST", `/api/user/two-factor/${id}`, { key, body });
      expect(r.status).toBe(400);
      const codes = Object.values(r.body.fieldErrors as Record<string, Array<{ code: string }>>)
        .flat()
        .map((e) => e.code);
      expect(codes).toContain(code);
      expect(await methodCount(id)).toBe(0);
    });
  }
});

describe("bodies that are not what they claim", () => {
  const raws: Array<[string, string]> = [
    ["invalid JSON", '{"code": '],
    ["a JSON array", "[1,2,3]"],
    ["a lone surrogate", '{"twoFactorId":"\\ud800","code":"123456"}'],
    ["a NUL byte", '{"twoFactorId":"a\\u0000b","code":"123456"}'],
    ["deep nesting", `{"state":${"[".repeat(40)}${"]".repeat(40)}}`],
  ];
  for (const [name, raw] of raws) {
    it(`/api/two-factor/login with ${name} → 400 envelope`, async () => {
      const r = await call("POST", "/api/two-factor/login", { raw, headers: { "content-type": "application/json" } });
      expect(r.status).toBe(400);
      expect(r.body.generalErrors[0].code).toBe("[invalid]");
    });
  }

  it("a body over 64 KiB → 400 [tooLarge]", async () => {
    const r = await call("POST", "/api/two-factor/login", {
      raw: JSON.stringify({ twoFactorId: "x", code: "1", pad: "y".repeat(70_000) }),
    });
    expect(r.status).toBe(400);
    expect(r.body.generalErrors[0].code).toBe("[tooLarge]");
  });

  it("odd unicode in a code never matches and never 500s", async () => {
    const { key } = await seedTenant({ failedAuthenticationConfiguration: { tooManyAttempts: 50 } });
    const u = await enrolledUser(key);
    for (const code of ["١٢٣٤٥٦", "１２３４５６", "12345６", "\u202e123456", "123 456"]) {
      const r = await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: await loginFor242(key, u.email), code },
      });
      expect(r.status).toBe(421);
    }
  });

  it("FusionAuth's literal 'undefined' and 'null' query values count as absent", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call(
      "GET",
      `/api/two-factor/status?userId=${u.userId}&applicationId=undefined&twoFactorTrustId=null`,
      { key },
    );
    expect(r.status).toBe(242);
  });

  it("recovery-code regeneration accepts the client's empty text/plain POST", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call("POST", `/api/user/two-factor/recovery-code/${u.userId}`, {
      key,
      raw: "",
      headers: { "content-type": "text/plain", "content-length": "0" },
    });
    expect(r.status).toBe(200);
  });

  it("user creation with a duplicate email → 400 [duplicate]user.email", async () => {
    const { key } = await seedTenant();
    const { email } = await createUser(key);
    const r = await call("POST", "/api/user", {
      key,
      body: { user: { email: email.toUpperCase(), password: "another password" } },
    });
    expect(r.status).toBe(400);
    expect(r.body.fieldErrors["user.email"][0].code).toBe("[duplicate]user.email");
  });

  it("wrong types in a user → 400 naming the field, nothing stored", async () => {
    const { key, tenantId } = await seedTenant();
    const r = await call("POST", "/api/user", {
      key,
      body: { user: { email: "ok@example.com", password: 12345678, mobilePhone: "call me" } },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors).sort()).toEqual(["user.mobilePhone", "user.password"]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?")
      .bind(tenantId)
      .first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

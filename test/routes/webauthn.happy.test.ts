/**
 * Passkeys through the real routes (workerd, D1, Durable Objects), with assertions signed by a
 * software authenticator: registration, passwordless login (discoverable and named user),
 * re-authentication (`/assert`), credential retrieval and deletion, and a passkey as second
 * factor and for step-up through /api/two-factor/login.
 */
import { describe, expect, it } from "vitest";
import { call, createUser, decodeJwt, enrolledUser, PASSWORD } from "../support/mfa.ts";
import { FLAG } from "../support/soft-authenticator.ts";
import { ORIGIN, passkeyTenant, registerPasskey, RP_ID, signFor, startOptions } from "../support/passkeys.ts";

describe("registration", () => {
  it("start answers creation options; complete stores the credential (FusionAuth's WebAuthnCredential)", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const start = await call("POST", "/api/webauthn/register/start", {
      key: t.key,
      body: { userId: user.id, displayName: "Ann", workflow: "bootstrap" },
    });
    expect(start.status).toBe(200);
    const o = start.body.options;
    expect(o).toMatchObject({
      rp: { id: RP_ID, name: "Example" },
      user: { name: user.email, displayName: "Ann" },
      attestation: "none",
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
    });
    expect(o.challenge).toMatch(/^[A-Za-z0-9_-]{44}$/); // 33 bytes
    expect(o.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-8, -7, -257]);

    const { credential, auth } = await registerPasskey(t, user.id, { name: "phone" });
    expect(credential).toMatchObject({
      credentialId: auth.id,
      userId: user.id,
      tenantId: t.tenantId,
      algorithm: -7,
      name: "phone",
      signCount: 0,
      relyingPartyId: RP_ID,
      discoverable: true,
      backupEligible: false,
      transports: ["internal"],
    });

    const again = await call("POST", "/api/webauthn/register/start", {
      key: t.key,
      body: { userId: user.id, displayName: "Ann", workflow: "general" },
    });
    expect(again.body.options.excludeCredentials).toEqual([
      { id: auth.id, type: "public-key", transports: ["internal"] },
    ]);
  });

  it("GET by id and by user, DELETE one and all", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const a = await registerPasskey(t, user.id);
    const b = await registerPasskey(t, user.id);
    expect((await call("GET", `/api/webauthn/${a.credential.id}`, { key: t.key })).body.credential.credentialId).toBe(
      a.auth.id,
    );
    const list = await call("GET", `/api/webauthn?userId=${user.id}`, { key: t.key });
    expect(list.body.credentials.map((c: { id: string }) => c.id)).toEqual([a.credential.id, b.credential.id]);

    const del = await call("DELETE", `/api/webauthn/${a.credential.id}`, { key: t.key });
    expect({ status: del.status, text: del.text, type: del.headers.get("content-type") }).toEqual({
      status: 200,
      text: "",
      type: null,
    });
    expect((await call("GET", `/api/webauthn/${a.credential.id}`, { key: t.key })).status).toBe(404);
    expect((await call("DELETE", `/api/webauthn?userId=${user.id}`, { key: t.key })).status).toBe(200);
    expect((await call("GET", `/api/webauthn?userId=${user.id}`, { key: t.key })).body.credentials).toEqual([]);
  });
});

describe("user deletion", () => {
  it("takes the user's passkeys with it; the authenticator can then be registered again", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth, credential } = await registerPasskey(t, user.id);
    expect((await call("DELETE", `/api/user/${user.id}`, { key: t.key })).status).toBe(200);
    expect((await call("GET", `/api/webauthn/${credential.id}`, { key: t.key })).status).toBe(404);
    const next = await createUser(t.key);
    const start = await call("POST", "/api/webauthn/register/start", {
      key: t.key,
      body: { userId: next.id, displayName: "x", workflow: "general" },
    });
    const again = await auth.register({ challenge: start.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
    expect(
      (
        await call("POST", "/api/webauthn/register/complete", {
          key: t.key,
          body: { userId: next.id, credential: again },
        })
      ).status,
    ).toBe(200);
  });

  it("answers 200 for a user with methods too (D1 counts the cascaded rows in `changes`)", async () => {
    const t = await passkeyTenant();
    const user = await enrolledUser(t.key);
    await registerPasskey(t, user.userId);
    expect((await call("DELETE", `/api/user/${user.userId}`, { key: t.key })).status).toBe(200);
    expect((await call("GET", `/api/user/${user.userId}`, { key: t.key })).status).toBe(404);
    expect((await call("DELETE", `/api/user/${user.userId}`, { key: t.key })).status).toBe(404);
  });
});

describe("passwordless login", () => {
  it("discoverable: options without a user, then /api/webauthn/login (no key) answers a token with amr [hwk, mfa]", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth } = await registerPasskey(t, user.id);
    const options = await startOptions(t, { state: { next: "/inbox" } });
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: "required", allowCredentials: [] });
    const credential = await signFor(auth, options, { userId: user.id });
    const r = await call("POST", "/api/webauthn/login", { body: { origin: ORIGIN, rpId: RP_ID, credential } });
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(user.id);
    expect(r.body.state).toEqual({ next: "/inbox" });
    expect(decodeJwt(r.body.token)).toMatchObject({ sub: user.id, tid: t.tenantId, amr: ["hwk", "mfa"] });
    const stored = await call("GET", `/api/webauthn?userId=${user.id}`, { key: t.key });
    expect(stored.body.credentials[0]).toMatchObject({ signCount: 1, lastUseInstant: expect.any(Number) });
  });

  it("named user: allowCredentials lists the user's passkeys; a synced (backup-eligible) passkey is swk", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth } = await registerPasskey(t, user.id, { backupEligible: true });
    const options = await startOptions(t, { loginId: user.email });
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([auth.id]);
    const stored = (await call("GET", `/api/webauthn?userId=${user.id}`, { key: t.key })).body.credentials[0];
    // credentialId: FusionAuth's client sends the WebAuthnCredential's UUID; the raw id works too.
    for (const credentialId of [stored.id, auth.id])
      expect((await startOptions(t, { userId: user.id, credentialId })).allowCredentials?.map((c) => c.id)).toEqual([
        auth.id,
      ]);
    const r = await call("POST", "/api/webauthn/login", {
      body: { credential: await signFor(auth, options, { counter: 0 }) },
    });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.token).amr).toEqual(["swk", "mfa"]);
  });

  it("without user verification the login policy applies: 242 with the user's other methods, never a passkey", async () => {
    const t = await passkeyTenant({
      webAuthnConfiguration: {
        enabled: true,
        relyingPartyId: RP_ID,
        allowedOrigins: [ORIGIN],
        bootstrapWorkflow: { enabled: true, userVerificationRequirement: "discouraged" },
        secondFactorWorkflow: { enabled: true },
      },
    });
    const user = await enrolledUser(t.key);
    const { auth } = await registerPasskey(t, user.userId, { workflow: "general" });
    const options = await startOptions(t, { userId: user.userId });
    const r = await call("POST", "/api/webauthn/login", {
      body: { credential: await signFor(auth, options, { flags: FLAG.UP }) },
    });
    expect(r.status).toBe(242);
    expect(r.body.methods.map((m: { method: string }) => m.method)).toEqual(["authenticator"]);
    expect(r.body.token).toBeUndefined();
  });
});

describe("re-authentication", () => {
  it("/api/webauthn/assert verifies without logging in and answers the credential", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth, credential: stored } = await registerPasskey(t, user.id);
    const options = await startOptions(t, { userId: user.id, workflow: "reauthentication" });
    const r = await call("POST", "/api/webauthn/assert", { body: { credential: await signFor(auth, options) } });
    expect(r.status).toBe(200);
    expect(r.body.credential).toMatchObject({ id: stored.id, signCount: 1 });
    expect(r.body.token).toBeUndefined();
  });
});

describe("a passkey as the second factor and for step-up", () => {
  it("password login answers 242 listing the passkey; /api/two-factor/login with `webauthn` completes it (amr pwd, hwk, mfa)", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth, credential: stored } = await registerPasskey(t, user.id, { name: "key" });
    const login = await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: PASSWORD } });
    expect(login.status).toBe(242);
    expect(login.body.methods).toEqual([{ id: stored.id, method: "webauthn", name: "key" }]);

    const options = await startOptions(t, { twoFactorId: login.body.twoFactorId });
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: "discouraged" });
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([auth.id]);
    const webauthn = await signFor(auth, options, { flags: FLAG.UP });
    const r = await call("POST", "/api/two-factor/login", { body: { twoFactorId: login.body.twoFactorId, webauthn } });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.token)).toMatchObject({ sub: user.id, amr: ["pwd", "hwk", "mfa"] });
  });

  it("step-up: /api/two-factor/start lists the passkey next to TOTP; the passkey completes it and `state` comes back (amr hwk)", async () => {
    const t = await passkeyTenant();
    const user = await enrolledUser(t.key);
    const { auth, credential: stored } = await registerPasskey(t, user.userId);
    const start = await call("POST", "/api/two-factor/start", {
      key: t.key,
      body: { userId: user.userId, state: { action: "transfer" } },
    });
    expect(start.body.methods.map((m: { id: string; method: string }) => [m.method, m.id])).toEqual([
      ["authenticator", user.methodId],
      ["webauthn", stored.id],
    ]);
    const options = await startOptions(t, { twoFactorId: start.body.twoFactorId });
    const r = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: start.body.twoFactorId, webauthn: await signFor(auth, options), trustComputer: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toEqual({ action: "transfer" });
    expect(r.body.twoFactorTrustId).toBeTruthy();
    expect(decodeJwt(r.body.token).amr).toEqual(["hwk"]);
  });

  it("passkeys are not a method when the tenant's secondFactorWorkflow is off", async () => {
    const t = await passkeyTenant({
      webAuthnConfiguration: {
        enabled: true,
        relyingPartyId: RP_ID,
        allowedOrigins: [ORIGIN],
        bootstrapWorkflow: { enabled: true },
      },
    });
    const user = await createUser(t.key);
    await registerPasskey(t, user.id);
    const login = await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: PASSWORD } });
    expect(login.status).toBe(200);
  });
});

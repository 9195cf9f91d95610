/**
 * WebAuthn relying-party checks (WebAuthn L3 §7.1, §7.2) on the pure policy module:
 * every assertion and attestation here is signed in the test by a WebCrypto P-256 key
 * (test/support/soft-authenticator.ts), so each negative case changes exactly one thing the
 * relying party must check: origin, RP id hash, type, challenge, UP, UV, backup eligibility,
 * counter, user handle, allowCredentials, credential id length.
 */
import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../src/domain/encoding.ts";
import {
  CHALLENGE_TAG,
  counterAcceptable,
  newChallenge,
  passkeyAMR,
  readChallenge,
  userHandleOf,
  verifyAssertion,
  verifyRegistration,
  type RelyingParty,
  type StoredCredential,
} from "../../src/domain/webauthn-policy.ts";
import { FLAG, SoftAuthenticator } from "../support/soft-authenticator.ts";

const rp: RelyingParty = { id: "app.example.com", name: "Example", origins: ["https://app.example.com"] };
const origin = rp.origins[0]!;
const userId = "0b8f6a4e-2a55-4a8e-9a55-1d9a6b7c1234";

function challenge(store: "user" | "discoverable" = "user") {
  const bytes = newChallenge(store, crypto.getRandomValues(new Uint8Array(32)));
  return { bytes, b64: base64UrlEncode(bytes) };
}

async function registered(opts: { backupEligible?: boolean } = {}) {
  const auth = await SoftAuthenticator.create(opts);
  const c = challenge();
  const reg = await verifyRegistration({
    response: await auth.register({ challenge: c.b64, origin, rpId: rp.id }),
    challenge: c.bytes,
    rp,
    userVerification: "required",
  });
  if (!reg.ok) throw new Error(`registration failed: ${JSON.stringify(reg.failure)}`);
  const stored: StoredCredential = {
    credentialId: reg.value.credentialId,
    publicKey: reg.value.publicKey,
    signCount: reg.value.signCount,
    transports: reg.value.transports,
    backupEligible: reg.value.backupEligible,
    userId,
  };
  return { auth, stored, reg: reg.value };
}

async function assertWith(
  auth: SoftAuthenticator,
  stored: StoredCredential,
  o: {
    origin?: string;
    rpId?: string;
    type?: string;
    flags?: number;
    counter?: number;
    userHandle?: string | null;
    uv?: "required" | "preferred" | "discouraged";
    allow?: string[];
    requireUserHandle?: boolean;
    signedChallenge?: string;
  } = {},
) {
  const c = challenge();
  const response = await auth.assert({
    challenge: o.signedChallenge ?? c.b64,
    origin: o.origin ?? origin,
    rpId: o.rpId ?? rp.id,
    type: o.type,
    flags: o.flags,
    counter: o.counter ?? 1,
    userHandle: o.userHandle,
    userId,
  });
  return verifyAssertion({
    response,
    challenge: c.bytes,
    rp,
    userVerification: o.uv ?? "required",
    credential: stored,
    allowCredentialIds: o.allow ?? [],
    requireUserHandle: o.requireUserHandle ?? false,
  });
}

describe("registration (WebAuthn L3 §7.1)", () => {
  it("accepts a `none` attestation and returns the COSE key, flags and transports", async () => {
    const { reg, auth } = await registered();
    expect(reg).toMatchObject({
      credentialId: auth.id,
      algorithm: -7,
      signCount: 0,
      backupEligible: false,
      backedUp: false,
      userVerified: true,
      discoverable: true,
      transports: ["internal"],
    });
  });

  it("records backup eligibility and state (BE/BS)", async () => {
    const { reg } = await registered({ backupEligible: true });
    expect({ be: reg.backupEligible, bs: reg.backedUp }).toEqual({ be: true, bs: true });
  });

  const cases: Array<[string, (o: { challenge: string; origin: string; rpId: string }) => object]> = [
    ["a wrong origin", (o) => ({ ...o, origin: "https://evil.example.com" })],
    ["a look-alike origin", (o) => ({ ...o, origin: "https://app.example.com.evil.test" })],
    ["a wrong RP id hash", (o) => ({ ...o, rpId: "example.com" })],
    ["type webauthn.get", (o) => ({ ...o, type: "webauthn.get" })],
    ["another challenge", (o) => ({ ...o, challenge: challenge().b64 })],
    ["UP unset", (o) => ({ ...o, flags: FLAG.UV })],
    ["UV unset when required", (o) => ({ ...o, flags: FLAG.UP })],
    ["BS without BE", (o) => ({ ...o, flags: FLAG.UP | FLAG.UV | FLAG.BS })],
  ];
  it.each(cases)("refuses %s", async (_name, change) => {
    const auth = await SoftAuthenticator.create();
    const c = challenge();
    const response = await auth.register(change({ challenge: c.b64, origin, rpId: rp.id }) as never);
    const out = await verifyRegistration({ response, challenge: c.bytes, rp, userVerification: "required" });
    expect(out.ok).toBe(false);
  });

  it("accepts UV unset when the workflow does not require it", async () => {
    const auth = await SoftAuthenticator.create();
    const c = challenge();
    const out = await verifyRegistration({
      response: await auth.register({ challenge: c.b64, origin, rpId: rp.id, flags: FLAG.UP }),
      challenge: c.bytes,
      rp,
      userVerification: "discouraged",
    });
    expect(out.ok).toBe(true);
  });

  it("refuses a credential id over 1023 bytes (§7.1 step 25)", async () => {
    const auth = await SoftAuthenticator.create({ credentialIdBytes: 1024 });
    const c = challenge();
    const out = await verifyRegistration({
      response: await auth.register({ challenge: c.b64, origin, rpId: rp.id }),
      challenge: c.bytes,
      rp,
      userVerification: "required",
    });
    expect(out).toMatchObject({ ok: false, failure: { reason: "credential_id_too_long" } });
  });
});

describe("authentication (WebAuthn L3 §7.2)", () => {
  it("verifies a signed assertion and reports the new counter and flags", async () => {
    const { auth, stored } = await registered();
    expect(await assertWith(auth, stored, { counter: 5 })).toEqual({
      ok: true,
      value: { newSignCount: 5, userVerified: true, backupEligible: false, backedUp: false },
    });
  });

  const negative: Array<[string, Parameters<typeof assertWith>[2], string]> = [
    ["a wrong origin", { origin: "https://evil.example.com" }, "rejected_by_library"],
    ["an origin that only shares a prefix", { origin: "https://app.example.com:8443" }, "rejected_by_library"],
    ["a wrong RP id hash", { rpId: "evil.example.com" }, "rejected_by_library"],
    ["type webauthn.create", { type: "webauthn.create" }, "rejected_by_library"],
    [
      "a challenge other than the one consumed",
      { signedChallenge: base64UrlEncode(newChallenge("user", new Uint8Array(32))) },
      "rejected_by_library",
    ],
    ["UP unset", { flags: FLAG.UV }, "rejected_by_library"],
    ["UV unset when required", { flags: FLAG.UP }, "rejected_by_library"],
    [
      "BE set on a credential registered without it",
      { flags: FLAG.UP | FLAG.UV | FLAG.BE },
      "backup_eligibility_changed",
    ],
    [
      "a user handle of another user",
      { userHandle: base64UrlEncode(userHandleOf("11111111-2222-4333-8444-555555555555")) },
      "user_handle_mismatch",
    ],
    ["no user handle on a discoverable login", { userHandle: null, requireUserHandle: true }, "user_handle_missing"],
    ["a credential outside allowCredentials", { allow: ["c29tZS1vdGhlci1pZA"] }, "not_in_allow_list"],
  ];
  it.each(negative)("refuses %s", async (_name, opts, reason) => {
    const { auth, stored } = await registered();
    const out = await assertWith(auth, stored, opts);
    expect(out).toMatchObject({ ok: false, failure: { reason } });
  });

  it("accepts UV unset when the workflow does not require it (second factor)", async () => {
    const { auth, stored } = await registered();
    expect(await assertWith(auth, stored, { flags: FLAG.UP, uv: "discouraged" })).toMatchObject({
      ok: true,
      value: { userVerified: false },
    });
  });

  it("refuses a signature by another key for the same credential id (another user's credential)", async () => {
    const { stored } = await registered();
    const impostor = await SoftAuthenticator.create();
    const c = challenge();
    const response = {
      ...(await impostor.assert({ challenge: c.b64, origin, rpId: rp.id, counter: 1, userId })),
      id: stored.credentialId,
      rawId: stored.credentialId,
    };
    const out = await verifyAssertion({
      response,
      challenge: c.bytes,
      rp,
      userVerification: "required",
      credential: stored,
      allowCredentialIds: [],
      requireUserHandle: false,
    });
    expect(out).toMatchObject({ ok: false });
  });

  it("refuses a response whose id is not the stored credential's", async () => {
    const { stored } = await registered();
    const other = await SoftAuthenticator.create();
    const c = challenge();
    const out = await verifyAssertion({
      response: await other.assert({ challenge: c.b64, origin, rpId: rp.id, counter: 1 }),
      challenge: c.bytes,
      rp,
      userVerification: "required",
      credential: stored,
      allowCredentialIds: [],
      requireUserHandle: false,
    });
    expect(out).toMatchObject({ ok: false, failure: { reason: "malformed" } });
  });

  describe("counter (possible clone)", () => {
    it.each([
      [0, 0, true],
      [0, 1, true],
      [5, 6, true],
      [5, 5, false],
      [5, 4, false],
      [5, 0, false],
    ])("stored %i, asserted %i → %s", async (stored, next, ok) => {
      expect(counterAcceptable(stored, next)).toBe(ok);
      const reg = await registered();
      const out = await assertWith(reg.auth, { ...reg.stored, signCount: stored }, { counter: next });
      expect(out.ok).toBe(ok);
    });
  });

  it("never puts the library's message in anything but `detail`", async () => {
    const { auth, stored } = await registered();
    const out = await assertWith(auth, stored, { origin: "https://evil.example.com" });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(Object.keys(out.failure).sort()).toEqual(["detail", "reason"]);
  });
});

describe("challenges", () => {
  it("are a tag byte and 32 random bytes, read back from clientDataJSON without verification", () => {
    const c = challenge("discoverable");
    expect(c.bytes).toHaveLength(33);
    expect(c.bytes[0]).toBe(CHALLENGE_TAG.discoverable);
    const clientDataJSON = base64UrlEncode(
      new TextEncoder().encode(JSON.stringify({ type: "webauthn.get", challenge: c.b64 })),
    );
    expect(readChallenge(clientDataJSON)).toEqual({ challenge: c.bytes, store: "discoverable" });
  });

  it.each([
    ["not base64url", "%%%"],
    ["not JSON", base64UrlEncode(new TextEncoder().encode("nope"))],
    ["no challenge", base64UrlEncode(new TextEncoder().encode("{}"))],
    ["a short challenge", base64UrlEncode(new TextEncoder().encode(JSON.stringify({ challenge: "AAAA" })))],
    [
      "an unknown tag",
      base64UrlEncode(new TextEncoder().encode(JSON.stringify({ challenge: base64UrlEncode(new Uint8Array(33)) }))),
    ],
    ["a number", 42],
  ])("reads %s as no challenge", (_name, value) => {
    expect(readChallenge(value)).toBeNull();
  });

  it("refuses randomness of the wrong size", () => {
    expect(() => newChallenge("user", new Uint8Array(16))).toThrow(TypeError);
  });
});

describe("amr", () => {
  it("is hwk for a device-bound key and swk for a syncable (backup-eligible) one", () => {
    expect([passkeyAMR(false), passkeyAMR(true)]).toEqual(["hwk", "swk"]);
  });
});

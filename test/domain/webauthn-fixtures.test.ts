/**
 * Recorded responses replayed through the policy module: a registration (attestation `none`,
 * EdDSA key) and an assertion produced by Chromium's own WebAuthn stack and its DevTools virtual
 * authenticator (CTAP2, internal, resident key, UV) against this service under `wrangler dev`
 * (test/fixtures/webauthn/, re-recorded with RECORD_WEBAUTHN_FIXTURES=1 on the browser test).
 * These are bytes a browser encoded, not bytes this repo's test helpers built; the published
 * @simplewebauthn/server package ships no hardware-authenticator fixtures to add beside them.
 */
import { describe, expect, it } from "vitest";
import fixture from "../fixtures/webauthn/chromium-virtual-authenticator.json";
import { base64UrlDecode, base64UrlEncode, hexEncode } from "../../src/domain/encoding.ts";
import {
  readChallenge,
  verifyAssertion,
  verifyRegistration,
  type CredentialJSON,
  type RelyingParty,
  type StoredCredential,
} from "../../src/domain/webauthn-policy.ts";

const rp: RelyingParty = { id: fixture.rpId, name: "edge-mfa", origins: [fixture.origin] };
const registration = fixture.registration as CredentialJSON;
const assertion = fixture.assertion as CredentialJSON;

/** The user id the recorded user handle names (the handle is the UUID's 16 bytes). */
const userId = hexEncode(base64UrlDecode(assertion.response.userHandle as string)).replace(
  /^(.{8})(.{4})(.{4})(.{4})(.{12})$/,
  "$1-$2-$3-$4-$5",
);

function challengeOf(c: CredentialJSON): Uint8Array {
  const read = readChallenge(c.response.clientDataJSON);
  if (!read) throw new Error("fixture challenge unreadable");
  return read.challenge;
}

async function stored(): Promise<StoredCredential> {
  const reg = await verifyRegistration({
    response: registration,
    challenge: challengeOf(registration),
    rp,
    userVerification: "required",
  });
  if (!reg.ok) throw new Error(JSON.stringify(reg.failure));
  return {
    credentialId: reg.value.credentialId,
    publicKey: reg.value.publicKey,
    signCount: reg.value.signCount,
    transports: reg.value.transports,
    backupEligible: reg.value.backupEligible,
    userId,
  };
}

const verify = async (
  o: {
    response?: CredentialJSON;
    rp?: RelyingParty;
    credential?: Partial<StoredCredential>;
    challenge?: Uint8Array;
  } = {},
) =>
  verifyAssertion({
    response: o.response ?? assertion,
    challenge: o.challenge ?? challengeOf(assertion),
    rp: o.rp ?? rp,
    userVerification: "required",
    credential: { ...(await stored()), ...o.credential },
    allowCredentialIds: [],
    requireUserHandle: true,
  });

describe("Chromium virtual authenticator, recorded", () => {
  it("registration verifies: EdDSA key, resident, user verified, counter 1, not backup-eligible", async () => {
    const reg = await verifyRegistration({
      response: registration,
      challenge: challengeOf(registration),
      rp,
      userVerification: "required",
    });
    expect(reg).toMatchObject({
      ok: true,
      value: {
        credentialId: registration.id,
        algorithm: -8,
        signCount: 1,
        discoverable: true,
        userVerified: true,
        backupEligible: false,
        transports: ["internal"],
      },
    });
  });

  it("the discoverable assertion verifies with its user handle and advances the counter", async () => {
    expect(await verify()).toEqual({
      ok: true,
      value: { newSignCount: 2, userVerified: true, backupEligible: false, backedUp: false },
    });
  });

  it("is refused for another origin or RP id", async () => {
    expect(await verify({ rp: { ...rp, origins: ["https://localhost"] } })).toMatchObject({
      ok: false,
      failure: { reason: "rejected_by_library" },
    });
    expect(await verify({ rp: { ...rp, id: "example.com" } })).toMatchObject({
      ok: false,
      failure: { reason: "rejected_by_library" },
    });
  });

  it("is refused as a clone once the stored counter has reached it", async () => {
    // The library applies the same rule first (its message goes to `detail`); counterAcceptable repeats it.
    for (const signCount of [2, 3]) expect(await verify({ credential: { signCount } })).toMatchObject({ ok: false });
  });

  it("is refused against another challenge, another user, or with one signature bit flipped", async () => {
    expect(await verify({ challenge: challengeOf(registration) })).toMatchObject({ ok: false });
    expect(await verify({ credential: { userId: "00000000-0000-4000-8000-000000000000" } })).toMatchObject({
      ok: false,
      failure: { reason: "user_handle_mismatch" },
    });
    const sig = base64UrlDecode(assertion.response.signature as string);
    sig[10]! ^= 1;
    expect(
      await verify({
        response: { ...assertion, response: { ...assertion.response, signature: base64UrlEncode(sig) } },
      }),
    ).toMatchObject({ ok: false });
  });
});

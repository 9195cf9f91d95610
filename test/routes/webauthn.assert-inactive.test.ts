/**
 * A deactivated user's passkey proves nothing: `/api/webauthn/assert` (re-authentication without a
 * login) refuses it with the same generic 400 as any failed assertion, as `/api/webauthn/login`
 * already did. The ceremony may have started while the user was still active.
 */
import { describe, expect, it } from "vitest";
import { call, createUser } from "../support/mfa.ts";
import { passkeyTenant, registerPasskey, signFor, startOptions } from "../support/passkeys.ts";

describe("/api/webauthn/assert and deactivated users", () => {
  it("a ceremony started before the deactivation is refused after it (400), and works again once reactivated", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth } = await registerPasskey(t, user.id);
    const options = await startOptions(t, { userId: user.id, workflow: "reauthentication" });
    const off = await call("PATCH", `/api/user/${user.id}`, { key: t.key, body: { user: { active: false } } });
    expect(off.status).toBe(200);
    const refused = await call("POST", "/api/webauthn/assert", { body: { credential: await signFor(auth, options) } });
    expect(refused.status).toBe(400);
    expect(refused.body?.credential).toBeUndefined();

    const on = await call("PATCH", `/api/user/${user.id}`, { key: t.key, body: { user: { active: true } } });
    expect(on.status).toBe(200);
    const again = await startOptions(t, { userId: user.id, workflow: "reauthentication" });
    const ok = await call("POST", "/api/webauthn/assert", { body: { credential: await signFor(auth, again) } });
    expect(ok.status).toBe(200);
  });
});

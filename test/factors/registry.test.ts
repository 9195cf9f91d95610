/**
 * The factor registry (src/factors/registry.ts): every factor has the one shape, every method kind
 * the wire and D1 accept is registered exactly once, and the UserGuard's answer ladder walks the
 * registered rungs in the order RFC 6238 §5.2 replay protection and the recovery hold rely on.
 */
import { describe, expect, it } from "vitest";
import { renderAlertEmail, renderAlertSms } from "../../src/domain/alert-message.ts";
import {
  ANSWER_CHECKERS,
  FACTORS,
  METHOD_FACTORS,
  activeMethods,
  configurableFactors,
  factorOf,
  guardSideOf,
} from "../../src/factors/registry.ts";
import { twoFactorMethodKind } from "../../src/routes/schemas.ts";
import { completeTenantSettings } from "../../src/settings.ts";
import { mfaMethods } from "../../src/storage/d1/schema.ts";
import { judgeAnswer, type AnswerFacts } from "../../src/storage/durable-objects/answers.ts";

/** A synchronous KV as the UserGuard's `ctx.storage.kv` (get/put/delete only, which the ladder uses). */
function fakeKv(): SyncKvStorage & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: (k: string) => data.get(k),
    put: (k: string, v: unknown) => void data.set(k, v),
    delete: (k: string) => data.delete(k),
  } as unknown as SyncKvStorage & { data: Map<string, unknown> };
}

const facts = (over: Partial<AnswerFacts>): AnswerFacts => ({
  code: "123456",
  oneTimeCode: "miss",
  totp: { match: null, replayed: false },
  recoveryAllowed: true,
  ...over,
});

describe("factor registry", () => {
  it("registers every factor once, each with the full shape", () => {
    const wires = FACTORS.map((f) => f.wire);
    expect(new Set(wires).size).toBe(wires.length);
    expect(wires).toEqual(expect.arrayContaining(["authenticator", "email", "sms", "webauthn", "recoveryCode"]));
    for (const f of FACTORS) {
      expect(typeof f.label).toBe("string");
      expect(typeof f.enabled).toBe("function");
      expect(["method", "passkey", "recovery-codes"]).toContain(f.stored);
      expect(typeof f.guard.eventFactor).toBe("string");
      // Stored as a method row exactly when it has the method side.
      expect(f.method !== undefined).toBe(f.stored === "method");
      if (f.method) expect(f.method.field !== undefined).toBe(f.delivery !== "none");
      expect(factorOf(f.wire)).toBe(f);
    }
  });

  it("has exactly one method factor per method kind of the zod schema and the D1 column", () => {
    const wires = METHOD_FACTORS.map((f) => f.wire).sort();
    expect(wires).toEqual([...twoFactorMethodKind.options].sort());
    expect(wires).toEqual([...mfaMethods.method.enumValues].sort());
  });

  it("names each factor's failures in a way the alert text knows", () => {
    for (const f of FACTORS) {
      const text = renderAlertSms({
        kind: "failed_attempts",
        issuer: "edge-mfa",
        at: 0,
        factor: f.guard.eventFactor,
        failures: 3,
      });
      expect(text, f.wire).not.toContain("second-factor code");
    }
    for (const f of METHOD_FACTORS)
      expect(
        renderAlertEmail({ kind: "method_added", issuer: "edge-mfa", at: 0, factor: f.wire }).text,
        f.wire,
      ).toContain(`: ${f.label}`);
  });

  it("answers the tenant's switches through each factor", () => {
    const settings = completeTenantSettings({
      multiFactorConfiguration: { email: { enabled: true }, sms: { enabled: false } },
    });
    expect(configurableFactors(settings).map((f) => f.wire)).toEqual(["authenticator", "email"]);
    const rows = ["sms", "email", "authenticator"].map((method, i) => ({
      id: `m${i}`,
      method,
      name: null,
      email: "a@example.com",
      mobilePhone: "+14155550100",
    }));
    expect(activeMethods(rows, settings).map((r) => r.method)).toEqual(["email", "authenticator"]);
  });

  it("maps completion kinds to one guard side, except the shared one-time code", () => {
    expect(guardSideOf("recovery")?.used?.event.type).toBe("user.two-factor.recovery-code.used");
    expect(guardSideOf("authenticator")?.eventFactor).toBe("authenticator");
    expect(guardSideOf("webauthn")?.eventFactor).toBe("webauthn");
    expect(guardSideOf("code")).toBeUndefined();
  });
});

describe("the answer ladder over the registered rungs", () => {
  it("walks one-time code, then TOTP, then the recovery-code shape", () => {
    expect(ANSWER_CHECKERS.map((c) => c.rank)).toEqual([10, 20, 30]);
  });

  it("takes a matching one-time code before a TOTP match, without spending the TOTP step", () => {
    const kv = fakeKv();
    const match = { methodId: "m1", step: 100 };
    expect(judgeAnswer(kv, facts({ oneTimeCode: "match", totp: { match, replayed: false } }))).toEqual({
      kind: "code",
    });
    expect(kv.data.size).toBe(0);
    expect(judgeAnswer(kv, facts({ oneTimeCode: "mismatch" }))).toEqual({ kind: "mismatch" });
  });

  it("accepts a TOTP step once and refuses it again as a replay (RFC 6238 §5.2)", () => {
    const kv = fakeKv();
    const totp = { match: { methodId: "m1", step: 100 }, replayed: false };
    expect(judgeAnswer(kv, facts({ totp }))).toEqual({ kind: "authenticator", match: totp.match });
    // The same step again: no recovery shape either, because the code matched a key.
    expect(judgeAnswer(kv, facts({ code: "ABCD-EFGH", totp }))).toEqual({ kind: "wrong", replay: "replay" });
    expect(judgeAnswer(kv, facts({ totp: { match: null, replayed: true } }))).toEqual({
      kind: "wrong",
      replay: "replay",
    });
  });

  it("leaves a recovery-code shape to the worker only when recovery codes may answer", () => {
    const kv = fakeKv();
    const code = "ABCDE-FGHJK";
    expect(judgeAnswer(kv, facts({ code }))).toEqual({ kind: "recovery" });
    expect(judgeAnswer(kv, facts({ code, recoveryAllowed: false }))).toEqual({ kind: "wrong", replay: undefined });
    expect(judgeAnswer(kv, facts({ code: "000000" }))).toEqual({ kind: "wrong", replay: undefined });
  });
});

/**
 * The browser script is served everywhere (it holds nothing secret); the passkey page only in
 * development and tests, answering 404 in production like an unknown path.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { WEBAUTHN_JS } from "../../src/routes/webauthn-script.ts";

async function get(path: string, environment: string) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`http://edge-mfa.test${path}`),
    { ...env, ENVIRONMENT: environment },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    csp: res.headers.get("content-security-policy"),
    text: await res.text(),
  };
}

describe("GET /webauthn.js", () => {
  it("is a JavaScript module exporting the ceremony helpers, in every environment", async () => {
    for (const environment of ["production", "test"]) {
      const r = await get("/webauthn.js", environment);
      expect(r.status).toBe(200);
      expect(r.type).toBe("text/javascript; charset=utf-8");
      expect(r.text).toBe(WEBAUTHN_JS);
    }
    expect(WEBAUTHN_JS).toMatch(/export async function createPasskey/);
    expect(WEBAUTHN_JS).toMatch(/export async function getPasskey/);
  });

  it("parses as a module (no template-literal escaping slip)", () => {
    // The module's own base64url helpers, evaluated: a regex written with one backslash too few would not round-trip.
    const body = WEBAUTHN_JS.split("\n")
      .filter((l) => l.startsWith("const toBytes") || l.startsWith("const toB64url"))
      .join("\n");
    const { toBytes, toB64url } = new Function(`${body}; return { toBytes, toB64url };`)() as {
      toBytes(s: string): Uint8Array;
      toB64url(b: ArrayBuffer): string;
    };
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 251) & 0xff);
    expect(toBytes(toB64url(bytes.buffer))).toEqual(bytes);
    expect(toB64url(new Uint8Array([0xfb, 0xff]).buffer)).toBe("-_8");
  });
});

describe("GET /dev/passkeys", () => {
  it("serves the page in test and development, with a CSP", async () => {
    for (const environment of ["test", "development"]) {
      const r = await get("/dev/passkeys", environment);
      expect(r.status).toBe(200);
      expect(r.type).toMatch(/^text\/html/);
      expect(r.csp).toMatch(/default-src 'self'/);
      expect(r.text).toContain('from "/webauthn.js"');
    }
  });

  it("answers 404 (empty) in production", async () => {
    const r = await get("/dev/passkeys", "production");
    expect({ status: r.status, text: r.text }).toEqual({ status: 404, text: "" });
  });
});

/**
 * examples/express-mfa end to end: a throwaway `wrangler dev`, seeded for the example by the same
 * code `npm run dev` uses (scripts/lib/dev-example.mjs), and the example started exactly as
 * `npm run example` starts it (its own Node process, settings from the seeded file). A plain-fetch
 * "browser" (manual redirects, a cookie jar per origin) then signs in through edge-mfa's hosted
 * login, enrols an authenticator on the example's MFA settings page, signs out through
 * /oauth2/logout, and signs in again with the TOTP step. TOTP codes come from the `otpauth` package.
 *
 * Needs the hosted login pages, /oauth2/token, /oauth2/userinfo, discovery and client secrets (issue 13).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeClientSecret, seedExample } from "../../scripts/lib/dev-example.mjs";
import { binDir, freePort, root, startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { otpauthTotp } from "../support/oath.ts";

// Node APIs, typed as far as used (the repo's tsconfig has no @types/node).
type Child = {
  pid?: number;
  stdout: { on(e: "data", cb: (d: unknown) => void): void };
  stderr: { on(e: "data", cb: (d: unknown) => void): void };
  on(e: "exit", cb: (code: number | null) => void): void;
  kill(signal?: string): void;
};
type ChildProcess = {
  spawn(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): Child;
};
const load = (name: string) => import(/* @vite-ignore */ `node:${name}`);
const proc = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process;

// ---------------------------------------------------------------------------------------------
// A minimal browser: cookies per origin, redirects followed by hand, forms read from the HTML.

const jar = new Map<string, Map<string, string>>();

function remember(url: URL, res: Response) {
  const cookies = jar.get(url.origin) ?? new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = "", ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || pair.slice(eq + 1).trim() === "";
    if (expired) cookies.delete(name);
    else cookies.set(name, pair.slice(eq + 1).trim());
  }
  jar.set(url.origin, cookies);
}

type Page = { url: URL; status: number; html: string; trail: string[] };

/** One request, then every redirect (and a meta refresh, as the logout page may use) until a page. */
async function browse(start: string | URL, init: { method?: string; form?: URLSearchParams } = {}): Promise<Page> {
  let url = new URL(start);
  let method = init.method ?? "GET";
  let body: string | undefined = init.form?.toString();
  const trail: string[] = [];
  for (let hop = 0; hop < 20; hop++) {
    trail.push(`${method} ${url.href}`);
    const cookies = [...(jar.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers: {
        ...(cookies ? { cookie: cookies } : {}),
        ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    remember(url, res);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      method = "GET";
      body = undefined;
      continue;
    }
    const html = await res.text();
    const refresh = metaRefresh(html);
    if (res.status === 200 && refresh) {
      url = new URL(refresh, url);
      continue;
    }
    return { url, status: res.status, html, trail };
  }
  throw new Error(`too many redirects:\n${trail.join("\n")}`);
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? decode(m[1] ?? m[2] ?? m[3] ?? "") : undefined;
};

/** The target of a `<meta http-equiv="refresh" content="2; url=…">`, whatever the attribute order. */
function metaRefresh(html: string): string | undefined {
  for (const m of html.matchAll(/<meta\b[^>]*>/gi)) {
    if ((attr(m[0], "http-equiv") ?? "").toLowerCase() !== "refresh") continue;
    const target = /^\s*\d+\s*;\s*url\s*=\s*['"]?([^'"]+)/i.exec(attr(m[0], "content") ?? "");
    if (target) return target[1]!.trim();
  }
  return undefined;
}

/** The form containing an input named `field`: its action and what a browser would submit as is. */
function formWith(
  page: Page,
  field: string,
  mustContain: string[] = [],
): { action: URL; fields: URLSearchParams } | undefined {
  for (const m of page.html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const form = m[0];
    if (!new RegExp(`<input\\b[^>]*\\sname="${field}"`, "i").test(form)) continue;
    if (!mustContain.every((text) => form.includes(text))) continue;
    const open = /<form\b[^>]*>/i.exec(form)![0];
    const fields = new URLSearchParams();
    let radioTaken = false;
    for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attr(tag, "name");
      const type = (attr(tag, "type") ?? "text").toLowerCase();
      if (!name || type === "submit") continue;
      if (type === "checkbox" && !/\schecked\b/i.test(tag)) continue;
      if (type === "radio") {
        if (radioTaken) continue; // the first choice (the user has one method)
        radioTaken = true;
      }
      fields.append(name, attr(tag, "value") ?? (type === "checkbox" ? "on" : ""));
    }
    return { action: new URL(attr(open, "action") ?? page.url.href, page.url), fields };
  }
  return undefined;
}

/** Submits a form found on `page` (with an input `field` and the `mustContain` texts) after setting `values`. */
function submit(page: Page, field: string, values: Record<string, string>, mustContain: string[] = []): Promise<Page> {
  const form = formWith(page, field, mustContain);
  if (!form)
    throw new Error(`no form with ${field} on ${page.url.href} (${page.status}):\n${page.html.slice(0, 2000)}`);
  for (const [k, v] of Object.entries(values)) form.fields.set(k, v);
  return browse(form.action, { method: "POST", form: form.fields });
}

// ---------------------------------------------------------------------------------------------

describe("examples/express-mfa against wrangler dev", () => {
  let server: WranglerDev;
  let example: Child | undefined;
  let exampleUrl: string;
  let exampleLog = "";
  let seeded: Awaited<ReturnType<typeof seedExample>>;
  let seedArgs: Parameters<typeof seedExample>[0];
  let totpSecret: string | undefined;
  let enrolledAt = 0;

  beforeAll(async () => {
    server = await startWranglerDev({ prefix: "edge-mfa-example-" });
    const boot = async (method: string, path: string, body: unknown, tenantId?: string) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: {
          authorization: server.bootstrapKey,
          "content-type": "application/json",
          ...(tenantId ? { "x-fusionauth-tenantid": tenantId } : {}),
        },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };
    // Like the dev tenant: email and SMS codes on (delivered to the dev outbox).
    const mfa = { email: { enabled: true }, sms: { enabled: true } };
    const tenant = (
      await boot("POST", "/api/tenant", { tenant: { name: "Example tenant", multiFactorConfiguration: mfa } })
    ).tenant;
    const app = (await boot("POST", "/api/application", { application: { name: "Example app" } }, tenant.id))
      .application;
    const apiKey = (await boot("POST", "/api/api-key", { apiKey: { tenantId: tenant.id } })).apiKey;

    exampleUrl = `http://127.0.0.1:${await freePort()}`;
    const file = `${server.dir}/example.json`;
    seedArgs = {
      baseUrl: server.baseUrl,
      apiKey: apiKey.key,
      tenantId: tenant.id,
      applicationId: app.id,
      exampleUrl,
      file,
    };
    seeded = await seedExample({ ...seedArgs, createdSecret: app.oauthConfiguration?.clientSecret });

    // `npm run example`, with the seeded file instead of the repo's .dev-example.json.
    const { spawn } = (await load("child_process")) as ChildProcess;
    const child = spawn(`${binDir}/node`, ["examples/express-mfa/server.mjs"], {
      cwd: root,
      env: { ...proc.env, EXAMPLE_CONFIG: file },
    });
    example = child;
    child.stdout.on("data", (d) => (exampleLog += String(d)));
    child.stderr.on("data", (d) => (exampleLog += String(d)));
    const deadline = Date.now() + 20_000;
    while (!exampleLog.includes("open ")) {
      if (Date.now() > deadline) throw new Error(`the example did not start:\n${exampleLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180_000);

  afterAll(() => {
    example?.kill("SIGTERM");
    server?.stop();
  });

  /** Re-throws with the example's and wrangler's last lines attached. */
  function withLogs(fn: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await fn();
      } catch (err) {
        const tail = (s: string) => s.split("\n").slice(-30).join("\n");
        if (err instanceof Error)
          err.message += `\n--- example ---\n${tail(exampleLog)}\n--- wrangler dev ---\n${tail(server?.log() ?? "")}`;
        throw err;
      }
    };
  }

  /** From the example's Login link through every hosted page to the example's account page. */
  async function signIn(): Promise<Page> {
    let page = await browse(`${exampleUrl}/login`);
    for (let step = 0; step < 6 && page.url.origin !== exampleUrl; step++) {
      if (formWith(page, "loginId")) {
        page = await submit(page, "loginId", { loginId: seeded.devUser.email, password: seeded.devUser.password });
      } else if (formWith(page, "code") && totpSecret) {
        // The enrolment used the step of `enrolledAt`; a later step's code is not a replay.
        const at = Math.max(Math.floor(Date.now() / 1000), enrolledAt + 30);
        page = await submit(page, "code", { code: otpauthTotp(totpSecret, at) });
      } else if (formWith(page, "methodId")) {
        page = await submit(page, "methodId", {});
      } else {
        throw new Error(`unexpected page ${page.url.href} (${page.status}):\n${page.html.slice(0, 2000)}`);
      }
    }
    return page;
  }

  it("npm run dev's seeding: the application has the example's URLs and a client secret the token endpoint accepts", async () => {
    expect(seeded.clientSecret).not.toBe("");
    expect(seeded.redirectUri).toBe(`${exampleUrl}/oauth-redirect`);
    expect(seeded.hostedLoginUrl).toContain(`${server.baseUrl}/oauth2/authorize?client_id=${seeded.clientId}`);
  });

  it(
    "signs in through the hosted login; the example shows the email and a verified access token",
    withLogs(async () => {
      const page = await signIn();
      expect(page.url.href, page.trail.join("\n")).toBe(`${exampleUrl}/account`);
      expect(page.html).toContain(`<strong id="signed-in-email">${seeded.devUser.email}</strong>`);
      const jwks = (await (await fetch(`${server.baseUrl}/${seeded.tenantId}/.well-known/jwks.json`)).json()) as any;
      const kid = /Access token verified: signature (\w+) with key <code>([^<]+)<\/code>/.exec(page.html);
      expect(kid, "the account page reports a verified token").not.toBeNull();
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(kid![2]);
    }),
  );

  it(
    "MFA settings: enrols an authenticator app (QR page, code) and shows 10 recovery codes once",
    withLogs(async () => {
      const enrol = await browse(`${exampleUrl}/mfa/authenticator`);
      expect(enrol.status).toBe(200);
      expect(enrol.html).toContain("<svg");
      totpSecret = /id="manual-key">([A-Z2-7 ]+)</.exec(enrol.html)![1]!.replace(/ /g, "");
      enrolledAt = Math.floor(Date.now() / 1000);
      const codes = await submit(enrol, "code", { code: otpauthTotp(totpSecret, enrolledAt) });
      expect(codes.url.pathname).toBe("/mfa/recovery-codes");
      expect([...codes.html.matchAll(/<li>([^<]+)<\/li>/g)]).toHaveLength(10);
      const again = await browse(`${exampleUrl}/mfa/recovery-codes`);
      expect(again.url.pathname).toBe("/mfa"); // shown once
      expect(again.html).toContain("Authenticator app");
    }),
  );

  it(
    "signs out through /oauth2/logout, then signs in again with the TOTP step",
    withLogs(async () => {
      const account = await browse(`${exampleUrl}/account`);
      const out = await submit(account, "csrf", {});
      expect(out.trail.some((t) => t.includes(`${server.baseUrl}/oauth2/logout?client_id=${seeded.clientId}`))).toBe(
        true,
      );
      // The logoutURL, perhaps with state, iss and sid appended as FusionAuth does.
      expect(`${out.url.origin}${out.url.pathname}`).toBe(`${exampleUrl}/logged-out`);
      expect((await browse(`${exampleUrl}/account`)).url.origin).not.toBe(exampleUrl); // off to the hosted login

      const page = await signIn();
      expect(page.trail.some((t) => new URL(t.split(" ")[1]!).pathname.startsWith("/oauth2/two-factor"))).toBe(true);
      expect(page.url.href, page.trail.join("\n")).toBe(`${exampleUrl}/account`);
      expect(page.html).toContain(`<strong id="signed-in-email">${seeded.devUser.email}</strong>`);
    }),
  );

  /** The newest code the dev outbox holds for `to`. */
  async function outboxCode(to: string): Promise<string> {
    const res = await fetch(`${server.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    const { messages } = (await res.json()) as { messages: Array<{ body: string }> };
    const code = /\b(\d{6})\b/.exec(messages[0]?.body ?? "")?.[1];
    if (!code) throw new Error(`no code in the outbox for ${to}: ${JSON.stringify(messages[0])}`);
    return code;
  }

  it(
    "MFA settings: enables email codes (code from the dev outbox), then disables them with a fresh code",
    withLogs(async () => {
      const mfa = await browse(`${exampleUrl}/mfa`);
      const verify = await submit(mfa, "email", {});
      expect(verify.url.pathname).toBe("/mfa/email/verify");
      const done = await submit(verify, "code", { code: await outboxCode(seeded.devUser.email) });
      expect(done.url.pathname).toBe("/mfa"); // not the first method: no recovery codes this time
      const row = new RegExp(`<tr><td>Email</td><td>${seeded.devUser.email}</td><td><code>([^<]+)</code>`).exec(
        done.html,
      );
      expect(row, "the email method is listed").not.toBeNull();
      const methodId = row![1]!;

      const sent = await submit(done, "methodId", {}, ['action="/mfa/disable/send"', `value="${methodId}"`]);
      expect(sent.html).toContain("Code sent");
      const code = await outboxCode(seeded.devUser.email);
      const disabled = await submit(sent, "code", { code }, ['action="/mfa/disable"', `value="${methodId}"`]);
      expect(disabled.html).toContain("Method disabled.");
      expect(disabled.html).not.toContain(`<code>${methodId}</code>`);
    }),
  );

  // Last: a lost file gives the dev user a new password and the application a new secret.
  it(
    "npm run dev again: reuses the kept secret and password; with the file lost, rotates the secret",
    withLogs(async () => {
      const again = await seedExample(seedArgs);
      expect(again.clientSecret).toBe(seeded.clientSecret);
      expect(again.devUser.password).toBe(seeded.devUser.password);

      const lost = await seedExample({ ...seedArgs, file: `${server.dir}/lost.json` });
      expect(lost.clientSecret).not.toBe("");
      expect(lost.clientSecret).not.toBe(seeded.clientSecret);
      const probe = { baseUrl: server.baseUrl, clientId: seeded.clientId, redirectUri: seeded.redirectUri };
      expect(await probeClientSecret({ ...probe, clientSecret: seeded.clientSecret })).toBe("refused");
      expect(await probeClientSecret({ ...probe, clientSecret: lost.clientSecret })).toBe("accepted");
    }),
  );
});

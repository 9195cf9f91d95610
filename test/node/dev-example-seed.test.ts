/**
 * scripts/lib/dev-example.mjs (what `npm run dev` seeds for examples/express-mfa) against a stand-in
 * edge-mfa that answers like the real API: the first run sets the application's URLs and keeps the
 * client secret from the create response; a second run changes nothing; a lost file or a refused
 * secret leads to a rotation; a lost password to a new dev user.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seedExample } from "../../scripts/lib/dev-example.mjs";

type Req = AsyncIterable<Uint8Array> & { method?: string; url?: string; headers: Record<string, string | undefined> };
type Res = { writeHead(status: number, headers?: Record<string, string>): void; end(body?: string): void };
type HttpServer = { listen(p: number, h: string, cb: () => void): void; address(): { port: number }; close(): void };
type NodeFs = { mkdtempSync(prefix: string): string; rmSync(p: string, o: { recursive: true; force: true }): void };

const APP_ID = "6f0b7a8e-2f55-4f6e-9c1e-7d1f8c2b9a10";
const TENANT_ID = "0b6f8a8e-8c4c-4f3b-9d1a-1b2c3d4e5f60";
const EXAMPLE_URL = "http://localhost:3000";

/** The stand-in's state and the calls it saw ("METHOD /path"). */
const state = {
  secret: "secret-0",
  rotations: 0,
  oauth: { authorizedRedirectURLs: [] as string[], logoutURL: null as string | null },
  users: new Map<string, { id: string; email: string; password: string }>(),
  calls: [] as string[],
};
let server: HttpServer;
let baseUrl: string;
let dir: string;
let fs: NodeFs;

beforeAll(async () => {
  fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;
  const os = (await import(/* @vite-ignore */ `node:${"os"}`)) as unknown as { tmpdir(): string };
  dir = fs.mkdtempSync(`${os.tmpdir()}/dev-example-seed-`);
  const http = (await import(/* @vite-ignore */ `node:${"http"}`)) as unknown as {
    createServer(h: (req: Req, res: Res) => void): HttpServer;
  };
  server = http.createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += new TextDecoder().decode(chunk);
    const url = new URL(req.url ?? "/", "http://x");
    state.calls.push(`${req.method} ${url.pathname}`);
    const json = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === `GET /api/application/${APP_ID}`)
      return json(200, { application: { id: APP_ID, oauthConfiguration: state.oauth } });
    if (route === `PATCH /api/application/${APP_ID}`) {
      const patch = JSON.parse(text).application.oauthConfiguration;
      // FusionAuth's application/json PATCH appends arrays.
      state.oauth.authorizedRedirectURLs.push(...(patch.authorizedRedirectURLs ?? []));
      if (patch.logoutURL !== undefined) state.oauth.logoutURL = patch.logoutURL;
      return json(200, { application: { id: APP_ID, oauthConfiguration: state.oauth } });
    }
    if (route === "POST /oauth2/token") {
      const form = new URLSearchParams(text);
      return form.get("client_secret") === state.secret
        ? json(400, { error: "invalid_request", error_reason: "auth_code_not_found" })
        : json(401, { error: "invalid_client" });
    }
    if (route === `POST /api/application/${APP_ID}/oauth-configuration/client-secret`) {
      state.secret = `secret-${++state.rotations}`;
      return json(200, { oauthConfiguration: { clientId: APP_ID, clientSecret: state.secret } });
    }
    if (route === "GET /api/user") {
      const user = [...state.users.values()].find((u) => u.email === url.searchParams.get("email"));
      return user ? json(200, { user: { id: user.id, email: user.email } }) : json(404);
    }
    if (route === "POST /api/user") {
      const { user } = JSON.parse(text);
      const created = { id: crypto.randomUUID(), email: user.email, password: user.password };
      state.users.set(created.id, created);
      return json(200, { user: { id: created.id, email: created.email } });
    }
    if (req.method === "DELETE" && url.pathname.startsWith("/api/user/")) {
      state.users.delete(url.pathname.split("/").pop()!);
      return json(200);
    }
    return json(404); // e.g. the registration API on a server without it
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

afterAll(() => {
  server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  state.calls = [];
});

const args = (file: string) => ({
  baseUrl,
  apiKey: "key",
  tenantId: TENANT_ID,
  applicationId: APP_ID,
  exampleUrl: EXAMPLE_URL,
  file: `${dir}/${file}`,
});

describe("seedExample (npm run dev's seeding for the example)", () => {
  let first: Awaited<ReturnType<typeof seedExample>>;

  it("first run: the callback and logout URL on the application, the created secret kept, a dev user", async () => {
    first = await seedExample({ ...args("seed.json"), createdSecret: "secret-0" });
    expect(state.oauth).toEqual({
      authorizedRedirectURLs: [`${EXAMPLE_URL}/oauth-redirect`],
      logoutURL: `${EXAMPLE_URL}/logged-out`,
    });
    expect(first.clientSecret).toBe("secret-0");
    expect(state.rotations).toBe(0);
    expect(first.devUser.email).toBe("dev@example.com");
    expect(state.users.get(first.devUser.id)?.password).toBe(first.devUser.password);
    expect(first.hostedLoginUrl).toBe(
      `${baseUrl}/oauth2/authorize?client_id=${APP_ID}&redirect_uri=${encodeURIComponent(`${EXAMPLE_URL}/oauth-redirect`)}&response_type=code&scope=openid+email+profile+offline_access`,
    );
  });

  it("second run: nothing changes (no PATCH, no rotation, no new user)", async () => {
    const again = await seedExample(args("seed.json"));
    expect(again.clientSecret).toBe("secret-0");
    expect(again.devUser).toEqual(first.devUser);
    expect(state.calls.filter((c) => !c.startsWith("GET ") && c !== "POST /oauth2/token")).toEqual([
      `POST /api/user/registration/${first.devUser.id}`,
    ]);
    expect(state.oauth.authorizedRedirectURLs).toHaveLength(1);
  });

  it("the kept secret refused at the token endpoint: rotated, and the new one kept", async () => {
    state.secret = "changed-elsewhere";
    const r = await seedExample(args("seed.json"));
    expect(state.rotations).toBe(1);
    expect(r.clientSecret).toBe("secret-1");
    expect((await seedExample(args("seed.json"))).clientSecret).toBe("secret-1");
    expect(state.rotations).toBe(1);
  });

  it("the file lost: the secret is rotated and the dev user recreated with a new password", async () => {
    const r = await seedExample(args("other.json"));
    expect(state.rotations).toBe(2);
    expect(r.clientSecret).toBe("secret-2");
    expect(state.calls).toContain(`DELETE /api/user/${first.devUser.id}`);
    expect(r.devUser.id).not.toBe(first.devUser.id);
    expect(r.devUser.password).not.toBe(first.devUser.password);
    expect(state.users.get(r.devUser.id)?.password).toBe(r.devUser.password);
  });
});

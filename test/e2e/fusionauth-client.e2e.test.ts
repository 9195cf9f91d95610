/**
 * End to end, in plain Node: a real `wrangler dev` (fresh local D1 and Durable Object state in a temp
 * dir, fresh random secrets) driven by the UNMODIFIED @fusionauth/typescript-client through the calls
 * of FusionAuth's MFA guide. This is the compatibility promise in one file: if the official client
 * can't do it against us exactly as against FusionAuth, this test fails.
 *
 * TOTP codes come from the `oathtool` binary (Debian package oathtool), an implementation
 * independent of ours. A code for a time step that was already used is refused as a replay, so the
 * two TOTP codes here are taken for consecutive 30 s steps.
 */
import { FusionAuthClient } from "@fusionauth/typescript-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// ---------------------------------------------------------------------------------------------
// Node APIs. The repo's tsconfig is typed for Workers and has no @types/node, so (as in
// test/node/) Node modules are imported by computed specifiers, typed here as far as we use them.

type Stream = { on(event: "data", cb: (chunk: unknown) => void): void };
type Child = { pid?: number; exitCode: number | null; stdout: Stream; stderr: Stream; on(event: "close", cb: (code: number | null) => void): void };
type Env = Record<string, string | undefined>;
type NodeApi = {
  spawn(cmd: string, args: string[], opts: { cwd: string; env: Env; stdio: ["ignore", "pipe", "pipe"]; detached?: boolean }): Child;
  execFileSync(file: string, args: string[], opts: { encoding: "utf8"; stdio?: "ignore" | "pipe" }): string;
  mkdtempSync(prefix: string): string;
  rmSync(path: string, opts: { recursive: true; force: true }): void;
  writeFileSync(path: string, data: string): void;
  createServer(): {
    once(event: "error", cb: (err: unknown) => void): void;
    listen(port: number, host: string, cb: () => void): void;
    address(): { port: number };
    close(cb: () => void): void;
  };
  tmpdir(): string;
  process: { env: Env; kill(pid: number, signal: string): void };
};

async function loadNode(): Promise<NodeApi> {
  const load = (name: string) => import(/* @vite-ignore */ `node:${name}`) as Promise<Record<string, unknown>>;
  const [cp, fs, net, os] = await Promise.all([load("child_process"), load("fs"), load("net"), load("os")]);
  return { ...cp, ...fs, ...net, ...os, process: (globalThis as unknown as { process: NodeApi["process"] }).process } as unknown as NodeApi;
}

let node: NodeApi;
const root = decodeURIComponent(new URL("../..", (import.meta as ImportMeta & { url: string }).url).pathname).replace(/\/$/, "");
const binDir = `${root}/node_modules/.bin`;
const SECRET_NAMES = ["BOOTSTRAP_API_KEY", "JWT_SIGNING_KEY", "ENCRYPTION_KEYS", "HASH_PEPPER"];

const randomB64 = (n: number, url: boolean) => {
  const b64 = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
  return url ? b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : b64;
};

// ---------------------------------------------------------------------------------------------
// Harness: wrangler dev on a free loopback port with its own state dir and secrets.

function freePort(): Promise<number> {
  return new Promise((ok, ko) => {
    const srv = node.createServer();
    srv.once("error", ko);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The environment for wrangler: pinned Node first on PATH; secrets only from our env file. */
function wranglerEnv(): Env {
  const env: Env = { ...node.process.env, PATH: `${binDir}:${node.process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "true" };
  // wrangler dev also reads secrets from process.env; a developer's exported value must not leak in.
  for (const name of SECRET_NAMES) delete env[name];
  return env;
}

function runWrangler(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((ok) => {
    const child = node.spawn(`${binDir}/wrangler`, args, { cwd: root, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    child.on("close", (code) => ok({ code: code ?? 1, output }));
  });
}

type Server = { baseUrl: string; bootstrapKey: string; child: Child; log: () => string; dir: string; startMs: number };

async function startServer(): Promise<Server> {
  const dir = node.mkdtempSync(`${node.tmpdir()}/edge-mfa-e2e-`);
  const persist = `${dir}/state`;
  const envFile = `${dir}/e2e.vars`;
  const bootstrapKey = randomB64(32, true);
  // --env-file replaces .dev.vars for this run, so a developer's .dev.vars plays no part.
  node.writeFileSync(
    envFile,
    [
      "ENVIRONMENT=test",
      `BOOTSTRAP_API_KEY=${bootstrapKey}`,
      `JWT_SIGNING_KEY=${randomB64(32, true)}`,
      `ENCRYPTION_KEYS=e2e:${randomB64(32, false)}`,
      `HASH_PEPPER=${randomB64(32, true)}`,
    ].join("\n") + "\n",
  );

  const migrated = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  if (migrated.code !== 0) {
    node.rmSync(dir, { recursive: true, force: true });
    throw new Error(`migrations failed:\n${migrated.output}`);
  }

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persist, "--env-file", envFile, "--show-interactive-dev-session=false");
  // detached: its own process group, so afterAll can stop wrangler and workerd together.
  const child = node.spawn(`${binDir}/wrangler`, args, { cwd: root, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));
  const server: Server = { baseUrl, bootstrapKey, child, log: () => output, dir, startMs: 0 };

  const deadline = Date.now() + 90_000;
  for (;;) {
    const problem =
      child.exitCode !== null ? `wrangler dev exited with ${child.exitCode}` : Date.now() > deadline ? "wrangler dev did not answer within 90 s" : null;
    if (problem) {
      stopServer(server); // afterAll never sees a server that failed to start
      throw new Error(`${problem}:\n${output}`);
    }
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  server.startMs = Date.now() - started;
  return server;
}

function stopServer(server: Server | undefined): void {
  if (!server) return;
  const pid = server.child.pid;
  if (pid !== undefined) {
    try {
      // The process group we created: wrangler and its workerd children (which can outlive it).
      node.process.kill(-pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  node.rmSync(server.dir, { recursive: true, force: true });
}

/** A plain HTTP call for the setup steps the FusionAuth client has no shape for. */
async function http(server: Server, method: string, path: string, body?: unknown, tenantId?: string) {
  const headers: Record<string, string> = { authorization: server.bootstrapKey };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (tenantId) headers["x-fusionauth-tenantid"] = tenantId;
  const res = await fetch(`${server.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
}

/** TOTP code for the 30 s step containing `epochSeconds`, computed by oathtool. */
function totp(secretBase32: string, epochSeconds: number): string {
  return node.execFileSync("oathtool", ["--totp", "--base32", "-N", `@${epochSeconds}`, secretBase32], { encoding: "utf8" }).trim();
}

/** A six-digit code that is none of the codes valid around `epochSeconds` (steps −2…+2). */
function wrongCode(secretBase32: string, epochSeconds: number): string {
  const near = new Set([-60, -30, 0, 30, 60].map((d) => totp(secretBase32, epochSeconds + d)));
  for (let n = 0; ; n++) {
    const candidate = String((Number(totp(secretBase32, epochSeconds)) + 1 + n) % 1_000_000).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

/** The rejection of a FusionAuth client promise ({statusCode, exception}). */
async function rejection(p: Promise<unknown>): Promise<{ statusCode: number; exception?: unknown }> {
  try {
    const r = (await p) as { statusCode: number };
    throw new Error(`expected the call to be rejected, it resolved with status ${r.statusCode}`);
  } catch (err) {
    if (err instanceof Error) throw err;
    return err as { statusCode: number; exception?: unknown };
  }
}

// ---------------------------------------------------------------------------------------------

describe("FusionAuth TypeScript client against wrangler dev", () => {
  let server: Server;
  let client: FusionAuthClient;
  let applicationId: string;
  let userId: string;
  let secretBase32: string;
  let methodId: string;
  let firstRecoveryCodes: string[];
  let newRecoveryCodes: string[];
  let epoch: number; // one base for both TOTP codes: steps T and T+1, taken when enrolment starts
  const email = `e2e-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery staple 9";

  beforeAll(async () => {
    node = await loadNode();
    try {
      node.execFileSync("oathtool", ["--version"], { encoding: "utf8", stdio: "ignore" });
    } catch {
      throw new Error("oathtool is not installed: apt-get install -y oathtool");
    }
    const t0 = Date.now();
    server = await startServer();
    console.log(`[e2e] wrangler dev answered after ${(server.startMs / 1000).toFixed(1)} s (setup incl. migrations ${((Date.now() - t0) / 1000).toFixed(1)} s) at ${server.baseUrl}`);

    const tenant = (await http(server, "POST", "/api/tenant", { tenant: { name: "E2E tenant" } })).tenant;
    applicationId = (await http(server, "POST", "/api/application", { application: { name: "E2E app" } }, tenant.id)).application.id;
    const apiKey = (await http(server, "POST", "/api/api-key", { apiKey: { tenantId: tenant.id } })).apiKey;
    expect(apiKey.tenantId).toBe(tenant.id);
    client = new FusionAuthClient(apiKey.key, server.baseUrl);
  }, 180_000);

  afterAll(() => {
    if (server && node.process.env.E2E_SHOW_LOG) console.log(server.log());
    stopServer(server);
  });

  /** Re-throws with the server log attached, so a failure shows what wrangler printed. */
  function withLog<T>(fn: () => Promise<T>): () => Promise<T> {
    return async () => {
      try {
        return await fn();
      } catch (err) {
        const tail = server?.log().split("\n").slice(-40).join("\n");
        if (err instanceof Error) err.message += `\n--- wrangler dev (last lines) ---\n${tail}`;
        else throw Object.assign(new Error(`rejected: ${JSON.stringify(err)}\n--- wrangler dev (last lines) ---\n${tail}`), { cause: err });
        throw err;
      }
    };
  }

  it("createUser with a password", withLog(async () => {
    const res = await client.createUser(null as unknown as string, { user: { email, password } });
    expect(res.statusCode).toBe(200);
    expect(res.response.user?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.response.user?.email).toBe(email);
    expect(res.response.user).not.toHaveProperty("password");
    userId = res.response.user!.id!;
  }));

  it("generateTwoFactorSecret, then enableTwoFactor returns 10 recovery codes", withLog(async () => {
    const secret = await client.generateTwoFactorSecret();
    expect(secret.statusCode).toBe(200);
    expect(secret.response.secret).toBeTruthy();
    expect(secret.response.secretBase32Encoded).toMatch(/^[A-Z2-7]+=*$/);
    secretBase32 = secret.response.secretBase32Encoded!;
    epoch = Math.floor(Date.now() / 1000);
    const request = { method: "authenticator", secret: secret.response.secret, secretBase32Encoded: secretBase32 };

    // A wrong code is FusionAuth's 421 with an empty body: rejected, no exception object.
    const bad = await rejection(client.enableTwoFactor(userId, { ...request, code: wrongCode(secretBase32, epoch) }));
    expect(bad.statusCode).toBe(421);
    expect(bad.exception).toBeUndefined();

    const res = await client.enableTwoFactor(userId, { ...request, code: totp(secretBase32, epoch) });
    expect(res.statusCode).toBe(200);
    firstRecoveryCodes = res.response.recoveryCodes!;
    expect(firstRecoveryCodes).toHaveLength(10);
    expect(new Set(firstRecoveryCodes).size).toBe(10);
  }));

  it("retrieveUser shows one authenticator method and no secret", withLog(async () => {
    const res = await client.retrieveUser(userId);
    expect(res.statusCode).toBe(200);
    const methods = res.response.user?.twoFactor?.methods ?? [];
    expect(methods).toHaveLength(1);
    expect(methods[0]!.method).toBe("authenticator");
    expect(methods[0]!.id).toBeTruthy();
    expect(methods[0]).not.toHaveProperty("secret");
    const body = JSON.stringify(res.response);
    expect(body).not.toContain(secretBase32);
    for (const code of firstRecoveryCodes) expect(body).not.toContain(code);
    methodId = methods[0]!.id!;
  }));

  it("login answers 242 with a twoFactorId; twoFactorLogin with the next TOTP code answers 200 with a token", withLog(async () => {
    const login = await client.login({ loginId: email, password, applicationId });
    expect(login.statusCode).toBe(242);
    const twoFactorId = login.response.twoFactorId!;
    expect(twoFactorId).toBeTruthy();
    expect(login.response.token).toBeUndefined();
    expect(login.response.methods?.map((m) => m.method)).toEqual(["authenticator"]);
    expect(JSON.stringify(login.response)).not.toContain(secretBase32);

    // Wrong code: 421, and the twoFactorId stays usable.
    const bad = await rejection(client.twoFactorLogin({ twoFactorId, code: wrongCode(secretBase32, epoch + 30) }));
    expect(bad.statusCode).toBe(421);
    expect(bad.exception).toBeUndefined();

    // The code for step T was used by enableTwoFactor; T+1 is inside the ±1 step window.
    const res = await client.twoFactorLogin({ twoFactorId, code: totp(secretBase32, epoch + 30), applicationId });
    expect(res.statusCode).toBe(200);
    expect(res.response.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.response.user?.id).toBe(userId);
  }));

  it("twoFactorLogin with an unknown twoFactorId is 404", withLog(async () => {
    const res = await rejection(client.twoFactorLogin({ twoFactorId: randomB64(32, true), code: "123456" }));
    expect(res.statusCode).toBe(404);
    expect(res.exception).toBeUndefined();
  }));

  it("startTwoFactorLogin (step-up) echoes state through twoFactorLogin", withLog(async () => {
    const start = await client.startTwoFactorLogin({ userId, state: { action: "transfer_funds" } });
    expect(start.statusCode).toBe(200);
    expect(start.response.code).toBeTruthy();
    expect(start.response.twoFactorId).toBeTruthy();

    const res = await client.twoFactorLogin({ twoFactorId: start.response.twoFactorId!, code: start.response.code! });
    expect(res.statusCode).toBe(200);
    expect(res.response.state).toEqual({ action: "transfer_funds" });
  }));

  it("generateTwoFactorRecoveryCodes replaces the codes with 10 new ones", withLog(async () => {
    const res = await client.generateTwoFactorRecoveryCodes(userId);
    expect(res.statusCode).toBe(200);
    newRecoveryCodes = res.response.recoveryCodes!;
    expect(newRecoveryCodes).toHaveLength(10);
    expect(new Set(newRecoveryCodes).size).toBe(10);
    expect(newRecoveryCodes.filter((c) => firstRecoveryCodes.includes(c))).toEqual([]);
  }));

  it("disableTwoFactor with an old recovery code is 421; with a new one 200 and no methods remain", withLog(async () => {
    const stale = await rejection(client.disableTwoFactor(userId, methodId, firstRecoveryCodes[0]!));
    expect(stale.statusCode).toBe(421);

    const res = await client.disableTwoFactor(userId, methodId, newRecoveryCodes[0]!);
    expect(res.statusCode).toBe(200);
    expect(res.response).toBeUndefined(); // empty body, no JSON content type

    const user = await client.retrieveUser(userId);
    expect(user.response.user?.twoFactor?.methods ?? []).toEqual([]);

    // Without MFA, login completes directly.
    const login = await client.login({ loginId: email, password, applicationId });
    expect(login.statusCode).toBe(200);
    expect(login.response.token).toBeTruthy();
  }));
});

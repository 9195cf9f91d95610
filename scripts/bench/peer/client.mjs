/**
 * Better Auth (two-factor plugin) as the peer: starts scripts/bench/peer/server.mjs on the same Node,
 * seeds it through its own API (sign up, enable 2FA, verify TOTP) and defines the equivalent flows.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../lib/wrangler-dev.mjs";
import { call, expectCall as expectCallRaw, pool } from "../lib/http.mjs";
import { base32Decode, stepAt, totpAt } from "../lib/totp.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const PASSWORD = "bench password 0123456789";
const json = (o) => JSON.stringify(o);
// Better Auth refuses cookie-carrying POSTs without an Origin: send the one a browser on its own origin would.
const expectCall = (status, base, method, path, opts = {}) =>
  expectCallRaw(status, base, method, path, { ...opts, headers: { origin: base, ...opts.headers } });
const cookieHeader = (cookies) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

export async function startPeer(log) {
  const dir = mkdtempSync(join(tmpdir(), "edge-mfa-peer-"));
  const port = await freePort();
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [join(here, "server.mjs"), "--port", String(port), "--db", join(dir, "peer.sqlite")],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes(`listening ${port}`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`the Better Auth peer did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`peer: Better Auth answered after ${((Date.now() - started) / 1000).toFixed(1)} s at http://127.0.0.1:${port}`);
  return { base: `http://127.0.0.1:${port}`, pid: child.pid, child, stop, log: () => output, users: [] };
}

/** Sign up, enable two-factor (TOTP), verify the first code: the plugin's own enrolment. */
async function enrolledUser(peer, email) {
  const up = await expectCall(200, peer.base, "POST", "/api/auth/sign-up/email", {
    json: { email, password: PASSWORD, name: "Bench" },
  });
  const session = cookieHeader(up.cookies);
  const en = await expectCall(200, peer.base, "POST", "/api/auth/two-factor/enable", {
    json: { password: PASSWORD },
    cookie: session,
  });
  const secret = base32Decode(new URL(en.body.totpURI).searchParams.get("secret"));
  await expectCall(200, peer.base, "POST", "/api/auth/two-factor/verify-totp", {
    json: { code: totpAt(secret, stepAt()) },
    cookie: session,
  });
  return { id: up.body.user.id, email, secret };
}

export async function seedPeer(peer, { users }) {
  const tag = randomBytes(4).toString("hex");
  peer.users = await pool(users, 4, (i) => enrolledUser(peer, `peer-${tag}-${i}@bench.test`));
}

/** A sign-in challenge (the plugin's two_factor cookie) for a user, without the password step. */
async function challenge(peer, user) {
  const r = await expectCall(200, peer.base, "POST", "/api/auth/bench/challenge", { json: { userId: user.id } });
  return cookieHeader(r.cookies);
}

export function peerPaths(peer) {
  const cycle = (make) => (n) => Array.from({ length: n }, (_, i) => make(peer.users[i % peer.users.length]));
  const post = (path, cookie, body) => ({
    method: "POST",
    path,
    headers: { "content-type": "application/json", origin: peer.base, cookie },
    body: json(body),
  });
  return [
    {
      id: "ok",
      label: "GET /api/auth/ok (floor)",
      prepare: (n) => Array.from({ length: n }, () => ({ method: "GET", path: "/api/auth/ok" })),
    },
    {
      id: "send-otp",
      label: "POST /two-factor/send-otp",
      prepare: async (n) => {
        const cookies = await pool(peer.users.length, 8, (i) => challenge(peer, peer.users[i]));
        return Array.from({ length: n }, (_, i) =>
          post("/api/auth/two-factor/send-otp", cookies[i % cookies.length], {}),
        );
      },
    },
    {
      id: "verify-totp",
      label: "POST /two-factor/verify-totp",
      prepare: async (n) => {
        const users = Array.from({ length: n }, (_, i) => peer.users[i % peer.users.length]);
        const cookies = await pool(n, 16, (i) => challenge(peer, users[i]));
        return cookies.map(
          (cookie, i) => () =>
            post("/api/auth/two-factor/verify-totp", cookie, { code: totpAt(users[i].secret, stepAt()) }),
        );
      },
    },
    {
      id: "verify-otp",
      label: "POST /two-factor/verify-otp",
      prepare: async (n) => {
        // One worker per user, so the code captured from sendOTP for a user is the one just sent.
        const per = Math.ceil(n / peer.users.length);
        const lists = await pool(peer.users.length, peer.users.length, async (u) => {
          const user = peer.users[u];
          const out = [];
          for (let k = 0; k < per; k++) {
            const cookie = await challenge(peer, user);
            await expectCall(200, peer.base, "POST", "/api/auth/two-factor/send-otp", { json: {}, cookie });
            const { otp } = (await expectCall(200, peer.base, "GET", `/__bench/otp?userId=${user.id}`)).body;
            out.push(post("/api/auth/two-factor/verify-otp", cookie, { code: otp }));
          }
          return out;
        });
        return lists.flat().slice(0, n);
      },
    },
    {
      id: "sign-in",
      label: "POST /sign-in/email (2FA redirect)",
      prepare: cycle((u) => ({
        method: "POST",
        path: "/api/auth/sign-in/email",
        headers: { "content-type": "application/json", origin: peer.base },
        body: json({ email: u.email, password: PASSWORD }),
      })),
    },
  ];
}

export { call };

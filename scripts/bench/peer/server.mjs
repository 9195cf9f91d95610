/**
 * The benchmark peer: Better Auth with its two-factor plugin (TOTP and OTP) on Node, better-sqlite3,
 * its own Node handler on a loopback port, rate limiter and telemetry off. Benchmark scaffolding,
 * not shipped code.
 *
 *   node scripts/bench/peer/server.mjs --port 4000 --db /tmp/x/peer.sqlite
 *
 * Besides Better Auth's own routes under /api/auth it answers two bench-only requests:
 *   POST /api/auth/bench/challenge {userId}: starts a sign-in challenge for a user with 2FA exactly as
 *     the plugin's sign-in hook does (the two verification rows, the signed two_factor cookie), but
 *     without the password check, so preparing thousands of challenges does not cost a scrypt each.
 *   GET /__bench/otp?userId=…: the last code the plugin handed to `sendOTP` for that user.
 * It prints `listening <port>` when ready.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { createAuthEndpoint } from "better-auth/api";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { twoFactor } from "better-auth/plugins";
import * as z from "zod";

const { values } = parseArgs({ options: { port: { type: "string" }, db: { type: "string" } } });
const port = Number(values.port);
if (!port || !values.db) throw new Error("usage: server.mjs --port N --db FILE");

const capturedOtp = new Map();

/** The plugin's sign-in after-hook, minus the password sign-in that precedes it. */
const benchChallenge = {
  id: "bench-challenge",
  endpoints: {
    benchChallenge: createAuthEndpoint(
      "/bench/challenge",
      { method: "POST", body: z.object({ userId: z.string() }) },
      async (ctx) => {
        const maxAge = 600; // the plugin's default twoFactorCookieMaxAge
        const cookie = ctx.context.createAuthCookie("two_factor", { maxAge });
        const identifier = `2fa-${randomBytes(15).toString("base64url").slice(0, 20)}`;
        const expiresAt = new Date(Date.now() + maxAge * 1000);
        await ctx.context.internalAdapter.createVerificationValue({ value: ctx.body.userId, identifier, expiresAt });
        await ctx.context.internalAdapter.createVerificationValue({
          value: "0",
          identifier: `2fa-attempts-${identifier}`,
          expiresAt,
        });
        await ctx.setSignedCookie(cookie.name, identifier, ctx.context.secret, cookie.attributes);
        return ctx.json({ twoFactorRedirect: true });
      },
    ),
  },
};

const db = new Database(values.db);
db.pragma("journal_mode = WAL");

const auth = betterAuth({
  appName: "bench-peer",
  baseURL: `http://127.0.0.1:${port}`,
  secret: randomBytes(32).toString("base64url"),
  database: db,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: "error" },
  plugins: [
    twoFactor({
      issuer: "bench-peer",
      otpOptions: {
        sendOTP: ({ user, otp }) => {
          capturedOtp.set(user.id, otp);
        },
      },
    }),
    benchChallenge,
  ],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.url?.startsWith("/__bench/otp")) {
    const userId = new URL(req.url, "http://x").searchParams.get("userId") ?? "";
    const otp = capturedOtp.get(userId);
    res.writeHead(otp ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ otp: otp ?? null }));
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));

/**
 * Step-up confirm page for /account (NIST SP 800-63B §4.2.3): runs a challenge through the
 * user's UserGuard naming one action and leaves the trustToken in the sealed proof cookie.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Hono } from "hono";
import { clientIpBucket } from "../domain/client-ip.ts";
import { stepUpChallenge } from "../domain/step-up.ts";
import type { CredentialJSON } from "../domain/webauthn-policy.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { MessagePage } from "../pages/misc.tsx";
import { ConfirmPage } from "../pages/account/confirm.tsx";
import { PROOF_TTL_SECONDS, sealProof, type AccountSession } from "../services/account.ts";
import { startTwoFactor } from "../services/two-factor-start.ts";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { seal, unseal } from "../services/hosted-login.ts";
import { sendChallengeCode } from "../services/oob-send.ts";
import { challengeWebAuthn, secondFactorPasskeys } from "../services/passkeys.ts";
import { activeMethods, sendsCodes } from "../factors/registry.ts";
import { startAuthentication } from "../services/webauthn.ts";
import { CSRF_FIELD, redirectTo, setHostedCookie } from "./hosted-http.tsx";
import { assertionCredential } from "./webauthn.ts";
import {
  type Ctx,
  BASE,
  PROOF_COOKIE,
  safeReturn,
  ACTIONS,
  info,
  page,
  nav,
  csrf,
  signedIn,
  posted,
  hasSecondFactor,
  toConfirm,
  methodLabel,
} from "./account-shared.tsx";

export const confirmRoutes = new Hono<AppEnv>();

type Pending = { f: string; sid: string; short: string; next: string };

async function confirmPage(
  c: Ctx,
  a: AccountSession,
  pending: Pending,
  opts: { codeError?: string; error?: string; info?: string; status?: ContentfulStatusCode } = {},
): Promise<Response> {
  const s = c.var.services;
  const settings = a.ctx.settings;
  let passkeyOptions: string | null = null;
  if (secondFactorPasskeys(a.loaded, settings).length > 0 && challengeWebAuthn(settings)) {
    try {
      passkeyOptions = JSON.stringify((await startAuthentication(s, a.ctx, { twoFactorId: pending.f })).options);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  const sealed = await seal(s, "account-confirm", pending, s.now() + PROOF_TTL_SECONDS);
  return page(
    c,
    <ConfirmPage
      nav={nav(a)}
      hidden={[
        ["pending", sealed],
        [CSRF_FIELD, await csrf(c)],
      ]}
      purpose={ACTIONS[pending.short]!.purpose}
      oob={activeMethods(a.loaded.methods, settings)
        .filter(sendsCodes)
        .map((m) => ({ id: m.id, label: methodLabel(m) }))}
      passkeyOptions={passkeyOptions}
      {...opts}
    />,
    "Confirm it's you",
    { status: opts.status ?? 200, scriptSelf: passkeyOptions !== null },
  );
}

confirmRoutes.get("/confirm", async (c) => {
  const a = await signedIn(c, BASE);
  if (a instanceof Response) return a;
  const short = c.req.query("action") ?? "";
  const next = safeReturn(c.req.query("next"));
  if (!Object.hasOwn(ACTIONS, short)) return redirectTo(c, BASE);
  if (!hasSecondFactor(a)) return redirectTo(c, next);
  const s = c.var.services;
  // The API's step-up start: a challenge in the user's UserGuard naming the one action. Its
  // returned code (for an application to deliver itself) is dropped: the user answers with a factor.
  const started = await startTwoFactor(s, a.ctx, {
    userId: a.loaded.user.id,
    trustChallenge: stepUpChallenge([ACTIONS[short]!.action]),
  });
  if (started.kind === "locked")
    return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
  if (started.kind === "not-found") throw ApiError.notFound();
  return confirmPage(c, a, { f: started.body.twoFactorId, sid: a.session.sid, short, next });
});

confirmRoutes.post("/confirm", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const s = c.var.services;
  const pending = await unseal<Pending>(s, "account-confirm", p.pending);
  if (!pending || pending.sid !== a.session.sid || !Object.hasOwn(ACTIONS, pending.short)) return redirectTo(c, BASE);
  if (p.send) {
    const target = activeMethods(a.loaded.methods, a.ctx.settings).find((m) => m.id === p.send && sendsCodes(m));
    if (!target) return confirmPage(c, a, pending, { error: "Choose one of your methods." });
    try {
      await sendChallengeCode(s, {
        twoFactorId: pending.f,
        methodId: target.id,
        headerTenantId: a.ctx.tenant.id,
        clientIp: clientIpBucket(c.req.header("cf-connecting-ip")),
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return confirmPage(c, a, pending, {
        error:
          e.kind === "rate_limited"
            ? "A code was sent a moment ago. Please wait before requesting another one."
            : "The code could not be sent. Please start again.",
      });
    }
    return confirmPage(c, a, pending, { info: "Code sent." });
  }
  let credential: CredentialJSON | undefined;
  if (p.credential) {
    try {
      const parsed = assertionCredential.safeParse(JSON.parse(p.credential));
      credential = parsed.success ? (parsed.data as CredentialJSON) : undefined;
    } catch {
      credential = undefined;
    }
    if (!credential) return confirmPage(c, a, pending, { error: "The passkey could not be verified." });
  }
  const code = (p.code ?? "").trim();
  if (!credential && (!code || code.length > 64)) return confirmPage(c, a, pending, { codeError: "Invalid code" });
  let out: Awaited<ReturnType<typeof completeTwoFactor>>;
  try {
    out = await completeTwoFactor(
      s,
      { twoFactorId: pending.f, ...(credential ? { webauthn: credential } : { code }), noJWT: true, info: info(c) },
      a.ctx.tenant.id,
    );
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "validation") return confirmPage(c, a, pending, { codeError: "Invalid code" });
    return toConfirm(c, pending.short, pending.next);
  }
  if (out.kind === "invalid-code") return confirmPage(c, a, pending, { codeError: "Invalid code" });
  if (out.kind === "locked") return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
  if (out.kind === "not-found") return toConfirm(c, pending.short, pending.next);
  const token = out.body.trustToken;
  if ((out.body.user as { id?: string } | undefined)?.id !== a.loaded.user.id || typeof token !== "string")
    return redirectTo(c, BASE);
  const held = await sealProof(s, { sid: a.session.sid, action: ACTIONS[pending.short]!.action, token });
  setHostedCookie(c, PROOF_COOKIE, held, { path: BASE, maxAge: PROOF_TTL_SECONDS });
  return redirectTo(c, pending.next);
});

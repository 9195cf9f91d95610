/**
 * /account pages that add a method, one pair of routes per registered method factor
 * (src/factors/registry.ts) by how it is enrolled: a shared TOTP key (/account/authenticator) or a
 * code sent to a destination (/account/email, /account/sms); and removing a method.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Hono } from "hono";
import { buildOtpauthURI } from "../domain/totp.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { MessagePage } from "../pages/misc.tsx";
import { DELIVERY_FACTORS, METHOD_FACTORS, type DeliveryFactor, type MethodFactor } from "../factors/registry.ts";
import { ActionPage } from "../pages/account/confirm.tsx";
import { AuthenticatorPage, CodesPage, OobPage } from "../pages/account/methods.tsx";
import type { AccountSession } from "../services/account.ts";
import { enableOobMethod } from "../services/oob-methods.ts";
import { sendMethodCode } from "../services/oob-send.ts";
import { enableMethod, offerSecret, removeMethods, type EnableInput } from "../services/two-factor.ts";
import type { MethodRow } from "../services/users.ts";
import { CSRF_FIELD, redirectTo } from "./hosted-http.tsx";
import { destination, qrSvg } from "./hosted-two-factor-enable.tsx";
import {
  type Ctx,
  BASE,
  info,
  page,
  nav,
  notFound,
  csrf,
  signedIn,
  posted,
  hasSecondFactor,
  toConfirm,
  consumeProof,
  proofReady,
  methodLabel,
} from "./account-shared.tsx";

export const methodRoutes = new Hono<AppEnv>();

const BASE32 = /^[A-Z2-7]{16,128}$/;

async function authenticatorPage(
  c: Ctx,
  a: AccountSession,
  secretBase32: string | null,
  opts: { codeError?: string; error?: string; status?: ContentfulStatusCode } = {},
) {
  const settings = a.ctx.settings;
  const account = a.loaded.user.email ?? a.loaded.user.username ?? a.loaded.user.id;
  const secret =
    secretBase32 && BASE32.test(secretBase32)
      ? secretBase32
      : offerSecret(c.var.services, settings.issuer, account).secretBase32Encoded;
  return page(
    c,
    <AuthenticatorPage
      nav={nav(a)}
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      qrSvg={qrSvg(buildOtpauthURI({ issuer: settings.issuer, account, secretBase32: secret }))}
      secretBase32={secret}
      {...opts}
    />,
    "Add an authenticator app",
    { status: opts.status ?? 200 },
  );
}

function enabled(a: AccountSession, factor: MethodFactor): boolean {
  return factor.enabled(a.ctx.settings);
}

/** After a first method: its recovery codes (shown once); else back to the overview. */
async function afterAdd(c: Ctx, a: AccountSession, out: Record<string, unknown>): Promise<Response> {
  const codes = Array.isArray(out.recoveryCodes) ? (out.recoveryCodes as string[]) : [];
  if (codes.length) return page(c, <CodesPage nav={nav(a)} codes={codes} />, "Recovery codes");
  return redirectTo(c, "/account?done=added");
}

/** GET/POST /account/<wire> of a factor enrolled with a shared TOTP key (the authenticator app). */
function mountSharedSecret(factor: MethodFactor): void {
  const path = `/${factor.wire}`;
  methodRoutes.get(path, async (c) => {
    const a = await signedIn(c, `/account${path}`);
    if (a instanceof Response) return a;
    if (!enabled(a, factor)) return redirectTo(c, BASE);
    if (!(await proofReady(c, a, "add"))) return toConfirm(c, "add", `/account${path}`);
    return authenticatorPage(c, a, null);
  });

  methodRoutes.post(path, async (c) => {
    const r = await posted(c);
    if (r instanceof Response) return r;
    const { a, p } = r;
    if (!enabled(a, factor)) return redirectTo(c, BASE);
    const secretBase32 = p.secretBase32Encoded ?? "";
    const code = (p.code ?? "").trim();
    if (!BASE32.test(secretBase32)) return authenticatorPage(c, a, null, { error: "Please start again." });
    if (!/^[0-9]{6,8}$/.test(code)) return authenticatorPage(c, a, secretBase32, { codeError: "Invalid code" });
    const refused = await consumeProof(c, a, "add", `/account${path}`);
    if (refused) return refused;
    const name = (p.name ?? "").trim().slice(0, 100);
    let out: Record<string, unknown>;
    try {
      out = await enableMethod(c.var.services, a.ctx, a.loaded.user.id, {
        method: factor.wire as EnableInput["method"],
        code,
        secretBase32Encoded: secretBase32,
        ...(name ? { name } : {}),
        info: info(c),
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.kind === "locked")
        return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
      // The step-up was spent on this attempt: a retry confirms again (single use, as the API).
      const retry = hasSecondFactor(a) ? " Confirm it's you again to retry." : "";
      return authenticatorPage(c, a, secretBase32, { codeError: `Invalid code.${retry}` });
    }
    return afterAdd(c, a, out);
  });
}

async function oobPage(
  c: Ctx,
  a: AccountSession,
  factor: DeliveryFactor,
  value: string,
  opts: { sent?: boolean; codeError?: string; error?: string; info?: string } = {},
) {
  return page(
    c,
    <OobPage
      nav={nav(a)}
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      factor={factor}
      value={value}
      sent={opts.sent ?? false}
      codeError={opts.codeError}
      error={opts.error}
      info={opts.info}
    />,
    factor.method.addTitle,
  );
}

/** GET/POST /account/<wire> of a factor enrolled with a code sent to a destination (email, SMS). */
function mountSentCode(factor: DeliveryFactor): void {
  const path = `/${factor.wire}`;
  const method = factor.delivery;
  const field = factor.method.field.name;
  methodRoutes.get(path, async (c) => {
    const a = await signedIn(c, `/account${path}`);
    if (a instanceof Response) return a;
    if (!enabled(a, factor)) return redirectTo(c, BASE);
    if (!(await proofReady(c, a, "add"))) return toConfirm(c, "add", `/account${path}`);
    return oobPage(c, a, factor, destination(factor, {}, a.loaded.user));
  });

  methodRoutes.post(path, async (c) => {
    const r = await posted(c);
    if (r instanceof Response) return r;
    const { a, p } = r;
    if (!enabled(a, factor)) return redirectTo(c, BASE);
    const s = c.var.services;
    const value = (p[field] ?? "").trim().slice(0, 320);
    const dest = { [field]: value };
    if (p.action === "send") {
      try {
        await sendMethodCode(s, a.ctx, { userId: a.loaded.user.id, method, ...dest });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return oobPage(c, a, factor, value, {
          error:
            e.kind === "rate_limited"
              ? "A code was sent a moment ago. Please wait before requesting another one."
              : "The code could not be sent. Check the address and try again.",
        });
      }
      return oobPage(c, a, factor, value, { sent: true, info: "Code sent." });
    }
    const code = (p.code ?? "").trim();
    if (!/^[0-9]{4,10}$/.test(code)) return oobPage(c, a, factor, value, { sent: true, codeError: "Invalid code" });
    const refused = await consumeProof(c, a, "add", `/account${path}`);
    if (refused) return refused;
    let out: Record<string, unknown>;
    try {
      out = await enableOobMethod(s, a.ctx, a.loaded.user.id, { method, code, ...dest, info: info(c) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.kind === "locked")
        return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
      return oobPage(c, a, factor, value, { sent: true, codeError: "Invalid code" });
    }
    return afterAdd(c, a, out);
  });
}

for (const factor of METHOD_FACTORS) if (factor.enrolment === "shared-secret") mountSharedSecret(factor);
for (const factor of DELIVERY_FACTORS) mountSentCode(factor);

// ---- Removing a method ------------------------------------------------------------------------

function ownMethod(a: AccountSession, id: string | undefined): MethodRow | null {
  return a.loaded.methods.find((m) => m.id === id) ?? null;
}

methodRoutes.get("/remove", async (c) => {
  const methodId = c.req.query("methodId") ?? "";
  const a = await signedIn(c, `/account/remove?methodId=${encodeURIComponent(methodId)}`);
  if (a instanceof Response) return a;
  const m = ownMethod(a, methodId);
  if (!m) return notFound(c);
  const last = a.loaded.methods.length === 1;
  return page(
    c,
    <ActionPage
      nav={nav(a)}
      formId="remove-form"
      action="/account/remove"
      hidden={[
        ["methodId", m.id],
        [CSRF_FIELD, await csrf(c)],
      ]}
      text={`Remove ${methodLabel(m)}?${last ? " It is your last method: your recovery codes go with it." : ""}`}
      button="Remove"
      danger
    />,
    "Remove a method",
  );
});

methodRoutes.post("/remove", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const m = ownMethod(a, p.methodId);
  // Another user's method id (or none) names nothing here: the same answer as a missing one.
  if (!m) return notFound(c);
  const refused = await consumeProof(c, a, "remove", `/account/remove?methodId=${m.id}`);
  if (refused) return refused;
  await removeMethods(c.var.services, a.ctx, a.loaded, [m.id], info(c));
  return redirectTo(c, "/account?done=removed");
});

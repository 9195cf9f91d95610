/**
 * /account pages that register, rename and delete passkeys.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Hono } from "hono";
import type { CredentialJSON } from "../domain/webauthn-policy.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { ACCOUNT_PASSKEY_JS, PasskeysPage } from "../pages/account/passkeys.tsx";
import type { AccountSession } from "../services/account.ts";
import { completeRegistration, startRegistration } from "../services/passkey-registration.ts";
import { deletePasskey, getCredential, relyingParty, renamePasskey } from "../services/passkeys.ts";
import type { PasskeyRow } from "../services/users.ts";
import { redirectTo } from "./hosted-http.tsx";
import { registrationCredential } from "./webauthn.ts";
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
  consumeProof,
  passkeyItem,
} from "./account-shared.tsx";

export const passkeyRoutes = new Hono<AppEnv>();

async function passkeysPage(
  c: Ctx,
  a: AccountSession,
  opts: { creation?: string | null; error?: string; info?: string; status?: ContentfulStatusCode } = {},
): Promise<Response> {
  return page(
    c,
    <PasskeysPage
      nav={nav(a)}
      csrf={await csrf(c)}
      passkeys={a.loaded.passkeys.map(passkeyItem)}
      creation={opts.creation ?? null}
      error={opts.error}
      info={opts.info}
    />,
    "Passkeys",
    { status: opts.status ?? 200, scriptSelf: Boolean(opts.creation) },
  );
}

passkeyRoutes.get("/passkeys", async (c) => {
  const a = await signedIn(c, "/account/passkeys");
  if (a instanceof Response) return a;
  if (!relyingParty(a.ctx.settings)) return redirectTo(c, BASE);
  const notices: Record<string, string> = {
    added: "Passkey added.",
    deleted: "Passkey deleted.",
    renamed: "Passkey renamed.",
  };
  const done = c.req.query("done");
  return passkeysPage(c, a, { info: done && Object.hasOwn(notices, done) ? notices[done] : undefined });
});

passkeyRoutes.post("/passkey-register", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const refused = await consumeProof(c, a, "passkey-register", "/account/passkeys");
  if (refused) return refused;
  const name = (p.name ?? "").trim().slice(0, 100);
  let options: unknown;
  try {
    const user = a.loaded.user;
    ({ options } = await startRegistration(c.var.services, a.ctx, {
      userId: user.id,
      displayName: user.email ?? user.username ?? "Account",
      ...(name ? { name } : {}),
      userAgent: c.req.header("user-agent")?.slice(0, 512),
      workflow: "general",
    }));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return passkeysPage(c, a, { error: "Passkeys cannot be added here.", status: 400 });
  }
  return passkeysPage(c, a, { creation: JSON.stringify(options) });
});

passkeyRoutes.post("/passkey-complete", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  let credential: CredentialJSON | null = null;
  try {
    const parsed = registrationCredential.safeParse(JSON.parse(p.credential ?? ""));
    credential = parsed.success ? (parsed.data as unknown as CredentialJSON) : null;
  } catch {
    credential = null;
  }
  if (!credential) return passkeysPage(c, a, { error: "The passkey could not be added.", status: 400 });
  try {
    // The registration ceremony was started (behind the step-up) for this user; its challenge is single use.
    await completeRegistration(c.var.services, a.ctx, {
      userId: a.loaded.user.id,
      origin: new URL(c.req.url).origin,
      credential,
      info: info(c),
    });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return passkeysPage(c, a, { error: "The passkey could not be added.", status: 400 });
  }
  return redirectTo(c, "/account/passkeys?done=added");
});

async function ownPasskey(c: Ctx, a: AccountSession, id: string | undefined): Promise<PasskeyRow | null> {
  if (!id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const row = await getCredential(c.var.services, a.ctx.tenant.id, id);
  return row && row.userId === a.loaded.user.id ? row : null;
}

passkeyRoutes.post("/passkey-rename", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const row = await ownPasskey(c, a, p.id);
  const name = (p.name ?? "").trim();
  if (!row) return notFound(c);
  if (!name || name.length > 100) return passkeysPage(c, a, { error: "Enter a name of 1 to 100 characters." });
  await renamePasskey(c.var.services, a.ctx.tenant.id, a.loaded.user.id, row.id, name);
  return redirectTo(c, "/account/passkeys?done=renamed");
});

passkeyRoutes.post("/passkey-delete", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const row = await ownPasskey(c, a, p.id);
  if (!row) return notFound(c);
  const refused = await consumeProof(c, a, "passkey-delete", "/account/passkeys");
  if (refused) return refused;
  await deletePasskey(c.var.services, row, info(c));
  return redirectTo(c, "/account/passkeys?done=deleted");
});

passkeyRoutes.get("/passkey.js", (c) =>
  c.body(ACCOUNT_PASSKEY_JS, 200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
  }),
);

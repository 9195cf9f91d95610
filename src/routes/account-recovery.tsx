/**
 * /account pages that regenerate recovery codes.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { ActionPage } from "../pages/account/confirm.tsx";
import { CodesPage } from "../pages/account/methods.tsx";
import { regenerateRecoveryCodes } from "../services/two-factor.ts";
import { CSRF_FIELD, redirectTo } from "./hosted-http.tsx";
import { BASE, info, page, nav, csrf, signedIn, posted, consumeProof } from "./account-shared.tsx";

export const recoveryRoutes = new Hono<AppEnv>();

recoveryRoutes.get("/recovery-codes", async (c) => {
  const a = await signedIn(c, "/account/recovery-codes");
  if (a instanceof Response) return a;
  if (a.loaded.methods.length === 0) return redirectTo(c, BASE);
  return page(
    c,
    <ActionPage
      nav={nav(a)}
      formId="regenerate-form"
      action="/account/recovery-codes"
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      text={`You have ${a.loaded.unusedRecoveryCodes} recovery codes left. New codes replace all of them.`}
      button="Create new recovery codes"
    />,
    "Recovery codes",
  );
});

recoveryRoutes.post("/recovery-codes", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a } = r;
  if (a.loaded.methods.length === 0) return redirectTo(c, BASE);
  const refused = await consumeProof(c, a, "codes", "/account/recovery-codes");
  if (refused) return refused;
  const codes = await regenerateRecoveryCodes(c.var.services, a.ctx, a.loaded.user.id, info(c));
  return page(c, <CodesPage nav={nav(a)} codes={codes} />, "Recovery codes");
});

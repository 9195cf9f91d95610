/** The audit context of an API-key request: the key that acted, the caller's address, source "api". */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import type { ChangeContext } from "../services/admin/context.ts";

export function apiChange(c: Context<AppEnv>): ChangeContext {
  return {
    actor: { kind: "apiKey", id: c.var.auth.keyId },
    ipAddress: c.req.header("cf-connecting-ip")?.slice(0, 64) ?? null,
    source: "api",
  };
}

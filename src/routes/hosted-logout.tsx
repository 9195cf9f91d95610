/** /oauth2/logout (FusionAuth §4.3) and /oauth2/error. */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

export const hostedLogoutRoutes = new Hono<AppEnv>();

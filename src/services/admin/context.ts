/**
 * Who makes an administrative change and from where: the same services serve the API (an API key)
 * and the admin console (a signed-in admin), and each writes its audit row with this context.
 */
import type { Actor } from "../audit.ts";

export type ChangeContext = { actor: Actor; ipAddress: string | null; source: "api" | "console" };

/** Types for app.mjs, so the TypeScript tests (no @types/node here) can import it. */
import type { Config } from "./config.d.mts";

export declare function createExampleApp(
  config: Config,
  deps?: { now?: () => number; log?: (msg: string) => void },
): {
  sessions: { readonly size: number };
  discover(): Promise<{ issuer: string; authorization_endpoint: string }>;
  /** A node:http request listener. */
  handle(req: unknown, res: unknown): Promise<void>;
};

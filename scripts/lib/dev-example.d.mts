/** Types for dev-example.mjs, so TypeScript tests (no @types/node here) can import it. */
import type { Config } from "../../examples/express-mfa/lib/config.d.mts";

export declare const DEV_USER_EMAIL: string;
export declare function apiCall(
  baseUrl: string,
  method: string,
  path: string,
  opts?: { key?: string; tenantId?: string; body?: unknown },
): Promise<{ status: number; json?: unknown; text: string }>;
export declare function expectOk(what: string, res: { status: number; json?: unknown; text: string }): unknown;
export declare function probeClientSecret(p: {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}): Promise<"accepted" | "refused" | "unknown">;
export declare const ROTATE_SECRET_PATH: (applicationId: string) => string;
export declare function seedExample(p: {
  baseUrl: string;
  apiKey: string;
  tenantId: string;
  applicationId: string;
  createdSecret?: string;
  exampleUrl: string;
  file: string;
  log?: (msg: string) => void;
}): Promise<
  Pick<Config, "tenantId" | "clientId" | "clientSecret" | "apiKey" | "exampleUrl" | "redirectUri" | "logoutUrl"> & {
    baseUrl: string;
    devUser: { id: string; email: string; password: string };
    hostedLoginUrl: string;
  }
>;

/** Types for config.mjs, so the TypeScript tests (no @types/node here) can import it. */
export type Config = {
  edgeMfaUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  apiKey: string;
  exampleUrl: string;
  redirectUri: string;
  logoutUrl: string;
  port: number;
  secureCookies: boolean;
  configFile: string;
  devUser?: { email: string; password: string };
};
export declare const CALLBACK_PATH: string;
export declare const LOGOUT_PATH: string;
export declare const DEFAULT_CONFIG_FILE: string;
export declare function exampleUrls(exampleUrl: string): { redirectUri: string; logoutUrl: string };
export declare function loadConfig(env: Record<string, string | undefined>): Config;

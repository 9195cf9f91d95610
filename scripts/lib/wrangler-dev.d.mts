/** Types for wrangler-dev.mjs, so TypeScript tests (no @types/node here) can import it. */
export type WranglerChild = { pid?: number; exitCode: number | null };
export type WranglerDev = {
  baseUrl: string;
  bootstrapKey: string;
  child: WranglerChild;
  dir: string;
  startMs: number;
  log(): string;
  stop(): void;
};
export declare const root: string;
export declare const binDir: string;
export declare function assignedNames(text: string): string[];
export declare function writeDevConfig(envText: string, name: string): string;
export declare function freePort(): Promise<number>;
export declare function runWrangler(args: string[]): Promise<{ code: number; output: string }>;
export declare function killGroup(child: WranglerChild): void;
export declare function serverHandle(o: {
  baseUrl: string;
  bootstrapKey: string;
  child: WranglerChild;
  dir: string;
  log(): string;
}): WranglerDev & { cleanups: Array<() => void> };
export declare function randomSecrets(): Record<"BOOTSTRAP_API_KEY" | "ENCRYPTION_KEYS" | "HASH_PEPPER", string>;
export declare function startWranglerDev(opts?: {
  prefix?: string;
  environment?: string;
  vars?: Record<string, string>;
  settings?: Record<string, string>;
  logLevel?: string;
  timeoutMs?: number;
}): Promise<WranglerDev>;

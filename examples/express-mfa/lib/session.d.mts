/** Types for session.mjs, so the TypeScript tests (no @types/node here) can import it. */
export declare const COOKIE_NAME: string;
export type Session = {
  id: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
  login?: { state: string; verifier: string; startedAt: number };
  user?: { id: string; email?: string };
  [key: string]: unknown;
};
export declare function signId(id: string, secret: string): string;
export declare function unsignId(value: string | undefined, secret: string): string | undefined;
export declare function parseCookies(header: string | undefined): Record<string, string>;
export declare function sessionCookie(value: string, opts: { secure: boolean; maxAgeSeconds?: number }): string;
export declare function createSessionStore(opts: { secret: string; idleMs?: number; now?: () => number }): {
  create(): Session;
  get(cookieValue: string | undefined): Session | undefined;
  renew(s: Session): Session;
  destroy(s: Session): void;
  cookieValue(s: Session): string;
  sweep(): void;
  readonly size: number;
};
export declare function csrfOk(session: Session | undefined, submitted: unknown): boolean;

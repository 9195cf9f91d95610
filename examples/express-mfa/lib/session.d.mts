/** Types for session.mjs, so the TypeScript tests (no @types/node here) can import it. */
export declare const COOKIE_NAME: string;
/** A browser's session, kept in this process's memory. */
export type Session = {
  id: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
  /** The login in progress: state and PKCE verifier (one attempt). */
  login?: { state: string; verifier: string; startedAt: number };
  user?: { id: string; email?: string };
  tokens?: { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number };
  /** How the access token verified, for the account page. */
  verified?: { alg: string; kid: string; iss: string; aud: string | string[]; exp: number };
  /** Enrolments in progress: the TOTP secret, the email address or phone number a code went to. */
  pending?: {
    authenticator?: { secret: string; secretBase32Encoded: string };
    email?: string;
    sms?: string;
  };
  flash?: { kind: "info" | "error"; text: string };
  /** Recovery codes to show once. */
  showRecoveryCodes?: string[];
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

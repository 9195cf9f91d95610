/** Types for oauth.mjs, so the TypeScript tests (no @types/node here) can import it. */
import type { JWTHeaderParameters, JWTPayload, JWTVerifyGetKey } from "jose";

export declare const SCOPE: string;
export declare const ACCEPTED_ALGORITHMS: string[];
export declare function randomToken(bytes?: number): string;
export declare function pkcePair(): { verifier: string; challenge: string; method: "S256" };
export declare function s256(verifier: string): string;
export declare function safeEqual(a: unknown, b: unknown): boolean;
export declare function authorizeUrl(p: {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scope?: string;
}): string;
export declare function checkCallback(
  query: URLSearchParams,
  expected: { state: string | undefined; issuer: string },
): { ok: true; code: string } | { ok: false; reason: string };
export declare function remoteJwks(url: string): JWTVerifyGetKey;
export declare function verifyAccessToken(
  token: string,
  opts: { jwks: JWTVerifyGetKey; issuer: string; audience: string },
): Promise<{ payload: JWTPayload; header: JWTHeaderParameters }>;

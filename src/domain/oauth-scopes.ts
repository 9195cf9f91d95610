/**
 * Scope strings (RFC 6749 §3.3): space-delimited, order-insensitive. The OIDC scopes decide which
 * claims an id_token and userinfo carry (OIDC Core §5.4).
 */

export function parseScopes(scope: string | null | undefined): string[] {
  return [...new Set((scope ?? "").split(" ").filter(Boolean))];
}

export function formatScopes(scopes: string[]): string {
  return scopes.join(" ");
}

/** RFC 6749 §6: a refresh request's scope must not include any scope not originally granted. */
export function isScopeSubset(requested: string[], granted: string[]): boolean {
  return requested.every((s) => granted.includes(s));
}

/** Whether a refresh token is issued (FusionAuth: `offline_access` and the application's generateRefreshTokens). */
export function issuesRefreshToken(scopes: string[], generateRefreshTokens: boolean): boolean {
  return generateRefreshTokens && scopes.includes("offline_access");
}

/** Types for pages.mjs, so the TypeScript tests (no @types/node here) can import it. */
type Safe = { readonly value: string };
export declare function contentSecurityPolicy(formTargets: string[]): string;
export declare function esc(value: unknown): string;
export declare function html(strings: TemplateStringsArray, ...values: unknown[]): Safe;
export declare function raw(markup: string): Safe;
export declare function page(
  title: string,
  body: Safe,
  ctx: { signedIn: boolean; csrf?: string; flash?: { kind: "info" | "error"; text: string } },
): string;
export declare function csrfField(csrf: string | undefined): Safe;
export declare function qrSvg(text: string): Safe;
export declare function otpauthUri(p: { issuer: string; account: string; secretBase32: string }): string;
export declare function groupKey(key: string): string;

/**
 * Token signing keys (FusionAuth's Key Master, one set per tenant): generation, sealing at rest,
 * the tenant's current signer, the public JWKS and JWT signing, all through `jose` (RFC 7515/7517/7518).
 *
 * - Private keys (PKCS#8 PEM) and HMAC secrets are AES-GCM encrypted with the service keyring, the
 *   AAD binding them to their key id and tenant, and are never returned by any API or logged.
 * - `kid` is the RFC 7638 SHA-256 JWK thumbprint for asymmetric keys (FusionAuth's rule for keys
 *   without a certificate); HMAC keys get a random kid and never appear in a JWKS.
 * - The tenant's signing key is its newest asymmetric key; older keys stay published until deleted
 *   (rotation). A tenant without one gets an RS256 2048-bit key on first need.
 * - Imported CryptoKeys are cached per isolate by (key id, kid), so the completion path signs without
 *   a D1 read: the sealed key travels with the challenge (`SignerRef`) and is opened only on a miss.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  SignJWT,
} from "jose";
import { decryptSecret, drawRandomBytes, encryptSecret } from "../domain/crypto.ts";
import { base64UrlEncode, utf8 } from "../domain/encoding.ts";
import { completeApplicationSettings } from "../settings.ts";
import { applications, signingKeys, type ApplicationRow, type SigningKeyRow } from "../storage/d1/schema.ts";
import { combine, firstRow, scalar, type Read } from "../storage/d1/one-statement.ts";
import type { SignerRef } from "../storage/durable-objects/user-guard-types.ts";
import type { Services } from "./container.ts";
import { constraintViolation } from "../storage/d1/results.ts";

export const KEY_ALGORITHMS = ["RS256", "ES256", "HS256"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
/** RSA moduli FusionAuth offers; NIST SP 800-57 Pt 1 Rev 5 §5.6.1: ≥ 2048 bits. */
export const RSA_LENGTHS = [2048, 3072, 4096] as const;

/** What signing needs, small enough to travel with a challenge (the private half sealed). */
export type { SignerRef };

export const DEFAULT_KEY_NAME = "Default signing key";
const ASYMMETRIC: KeyAlgorithm[] = ["RS256", "ES256"];
const HMAC_SECRET_BYTES = 32;

function keyAad(id: string, tenantId: string): string {
  return `signing-key:${id}:tenant:${tenantId}`;
}

/** Generates key material and seals its private half; returns a row ready to insert. */
export async function newSigningKey(
  s: Services,
  input: { id: string; tenantId: string; name: string; algorithm: KeyAlgorithm; length?: number },
): Promise<SigningKeyRow> {
  const { id, tenantId, name, algorithm } = input;
  const t = s.now();
  const base = { id, tenantId, name, algorithm, createdAt: t, updatedAt: t };
  if (algorithm === "HS256") {
    const secret = drawRandomBytes(s.random, HMAC_SECRET_BYTES);
    const privateEnc = await encryptSecret(s.keyring, secret, keyAad(id, tenantId), s.random);
    return {
      ...base,
      type: "HMAC",
      length: HMAC_SECRET_BYTES * 8,
      kid: base64UrlEncode(drawRandomBytes(s.random, 12)),
      publicKey: null,
      publicJwk: null,
      privateEnc,
    };
  }
  const length = algorithm === "RS256" ? (input.length ?? 2048) : 256;
  const pair = await generateKeyPair(algorithm, {
    extractable: true,
    ...(algorithm === "RS256" ? { modulusLength: length } : {}),
  });
  const jwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  const publicJwk: Record<string, string> = { ...(jwk as Record<string, string>), kid, alg: algorithm, use: "sig" };
  const privateEnc = await encryptSecret(
    s.keyring,
    utf8(await exportPKCS8(pair.privateKey)),
    keyAad(id, tenantId),
    s.random,
  );
  return {
    ...base,
    type: algorithm === "RS256" ? "RSA" : "EC",
    length,
    kid,
    publicKey: await exportSPKI(pair.publicKey),
    publicJwk,
    privateEnc,
  };
}

export function signerRef(row: SigningKeyRow): SignerRef {
  return { id: row.id, tenantId: row.tenantId, kid: row.kid, alg: row.algorithm, privateEnc: row.privateEnc };
}

function isUniqueViolation(err: unknown): boolean {
  return constraintViolation(err)?.kind === "unique";
}

const newestFirst = [desc(signingKeys.createdAt), desc(sql`rowid`)];

function ofTenantAsymmetric(tenantId: string) {
  return and(eq(signingKeys.tenantId, tenantId), inArray(signingKeys.algorithm, ASYMMETRIC));
}

/** The tenant's newest asymmetric key (ties within a second broken by insertion order). */
async function newestAsymmetric(s: Services, tenantId: string): Promise<SigningKeyRow | undefined> {
  const [row] = await s.db
    .select()
    .from(signingKeys)
    .where(ofTenantAsymmetric(tenantId))
    .orderBy(...newestFirst)
    .limit(1);
  return row;
}

/**
 * Key rows read ahead, in a route's own statement (issue 15), for `accessTokenSigner` and
 * `trustTokenSigner`: the tenant's newest asymmetric key, and the id an application's settings name
 * in `jwtConfiguration.accessTokenKeyId` with that key's row. The rule that picks among them stays
 * in `applicationSigner`.
 */
export type KnownKeys = { tenantKey: SigningKeyRow | null; named: { id: string | null; row: SigningKeyRow | null } };

/** `KnownKeys` as part of a larger statement (`readTogether`); without an application, nothing is named. */
export function knownKeysRead(tenantId: string, applicationId: string | undefined): Read<KnownKeys> {
  // The id as `completeApplicationSettings` gives it (lowercased); a stored value it would not accept
  // is read but never matches, and `applicationSigner` then reads the key itself.
  const namedId = sql`SELECT lower(json_extract(${applications.settings}, ${"$.jwtConfiguration.accessTokenKeyId"})) FROM ${applications}
    WHERE ${applications.tenantId} = ${tenantId} AND ${applications.id} = ${applicationId ?? null}
    AND json_valid(${applications.settings}) LIMIT 1`;
  return combine(
    {
      tenantKey: firstRow(signingKeys, ofTenantAsymmetric(tenantId), newestFirst),
      ...(applicationId
        ? {
            namedId: scalar(namedId, (v) => (typeof v === "string" ? v : null)),
            namedRow: firstRow(
              signingKeys,
              sql`${signingKeys.tenantId} = ${tenantId} AND ${signingKeys.id} IN (${namedId})`,
            ),
          }
        : {}),
    },
    (r: { tenantKey: SigningKeyRow | null; namedId?: string | null; namedRow?: SigningKeyRow | null }) => ({
      tenantKey: r.tenantKey,
      named: { id: r.namedId ?? null, row: r.namedRow ?? null },
    }),
  );
}

/** The id of the key that signs the tenant's tokens now (none yet: null; the first use creates one). */
export async function currentTenantKeyId(s: Services, tenantId: string): Promise<string | null> {
  return (await newestAsymmetric(s, tenantId))?.id ?? null;
}

/**
 * The key that signs the tenant's access tokens. A tenant created before keys existed (or seeded
 * straight into D1) gets an RS256 2048-bit key here; two racing first requests collide on the
 * (tenant, name) unique index and the loser reads the winner's key.
 */
export async function tenantSigner(s: Services, tenantId: string): Promise<SignerRef> {
  const found = await newestAsymmetric(s, tenantId);
  if (found) return signerRef(found);
  const row = await newSigningKey(s, {
    id: crypto.randomUUID(),
    tenantId,
    name: DEFAULT_KEY_NAME,
    algorithm: "RS256",
    length: 2048,
  });
  try {
    await s.db.insert(signingKeys).values(row);
    return signerRef(row);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await newestAsymmetric(s, tenantId);
    if (!winner) throw new Error("tenant signing key: the default key name is taken by a symmetric key");
    return signerRef(winner);
  }
}

/**
 * The key for an application's access tokens: its `jwtConfiguration.accessTokenKeyId` when that is
 * enabled and still one of the tenant's keys, else the tenant's signing key.
 */
export function accessTokenSigner(
  s: Services,
  tenantId: string,
  app: ApplicationRow | null,
  known?: KnownKeys,
): Promise<SignerRef> {
  return applicationSigner(s, tenantId, app, "accessTokenKeyId", known);
}

/** The same rule for id_tokens with `jwtConfiguration.idTokenKeyId` (OIDC Core §2). */
export function idTokenSigner(s: Services, tenantId: string, app: ApplicationRow | null): Promise<SignerRef> {
  return applicationSigner(s, tenantId, app, "idTokenKeyId");
}

async function applicationSigner(
  s: Services,
  tenantId: string,
  app: ApplicationRow | null,
  field: "accessTokenKeyId" | "idTokenKeyId",
  known?: KnownKeys,
): Promise<SignerRef> {
  const jwt = completeApplicationSettings(app?.settings).jwtConfiguration;
  const keyId = jwt[field];
  if (jwt.enabled && keyId) {
    const row =
      known && known.named.id === keyId
        ? known.named.row
        : (
            await s.db
              .select()
              .from(signingKeys)
              .where(and(eq(signingKeys.id, keyId), eq(signingKeys.tenantId, tenantId)))
              .limit(1)
          )[0];
    if (row) return signerRef(row);
  }
  return knownTenantSigner(s, tenantId, known);
}

/** The tenant's signing key, read ahead in `known` when given (none yet: `tenantSigner` creates it). */
function knownTenantSigner(s: Services, tenantId: string, known: KnownKeys | undefined): Promise<SignerRef> {
  return known?.tenantKey ? Promise.resolve(signerRef(known.tenantKey)) : tenantSigner(s, tenantId);
}

/** Whether `keyId` names one of the tenant's keys (an application may only sign with its own tenant's). */
export async function isTenantKey(s: Services, tenantId: string, keyId: string): Promise<boolean> {
  const rows = await s.db
    .select({ id: signingKeys.id })
    .from(signingKeys)
    .where(and(eq(signingKeys.id, keyId.toLowerCase()), eq(signingKeys.tenantId, tenantId)))
    .limit(1);
  return rows.length === 1;
}

/** The public halves of the tenant's asymmetric keys (RFC 7517 §5), newest first; creates the default key when there is none. */
export async function tenantJwks(s: Services, tenantId: string): Promise<{ keys: Record<string, string>[] }> {
  const rows = await s.db
    .select({ publicJwk: signingKeys.publicJwk })
    .from(signingKeys)
    .where(and(eq(signingKeys.tenantId, tenantId), inArray(signingKeys.algorithm, ASYMMETRIC)))
    .orderBy(desc(signingKeys.createdAt), desc(sql`rowid`));
  if (rows.length === 0) {
    await tenantSigner(s, tenantId);
    return tenantJwks(s, tenantId);
  }
  return { keys: rows.flatMap((r) => (r.publicJwk ? [r.publicJwk] : [])) };
}

type SigningMaterial = CryptoKey | Uint8Array;
/** Isolate cache of opened keys. Key material under one (id, kid) never changes: the kid is a thumbprint (or random). */
const OPENED = new Map<string, Promise<SigningMaterial>>();
const MAX_OPENED = 256;

function openKey(s: Services, ref: SignerRef): Promise<SigningMaterial> {
  const cacheKey = `${ref.id}:${ref.kid}`;
  const hit = OPENED.get(cacheKey);
  if (hit) return hit;
  const opened = (async () => {
    const plain = await decryptSecret(s.keyring, ref.privateEnc, keyAad(ref.id, ref.tenantId));
    if (ref.alg === "HS256") return plain;
    return importPKCS8(new TextDecoder().decode(plain), ref.alg, { extractable: false });
  })();
  if (OPENED.size >= MAX_OPENED) OPENED.clear();
  OPENED.set(cacheKey, opened);
  opened.catch(() => {
    if (OPENED.get(cacheKey) === opened) OPENED.delete(cacheKey);
  });
  return opened;
}

/**
 * A compact JWS (RFC 7515 §7.1) with header `{alg, typ, kid}`; `typ` is "JWT" unless another kind of
 * token is explicitly typed (RFC 8725 §3.11), e.g. the trust token's "trust+jwt".
 */
export async function signJwt(
  s: Services,
  ref: SignerRef,
  payload: Record<string, unknown>,
  opts: { typ?: string } = {},
): Promise<string> {
  const key = await openKey(s, ref);
  return new SignJWT(payload).setProtectedHeader({ alg: ref.alg, typ: opts.typ ?? "JWT", kid: ref.kid }).sign(key);
}

/**
 * The key for trust tokens, which applications verify with the tenant's JWKS: the access-token key
 * when it is asymmetric (published), else (an application signing with an HMAC key) the tenant's
 * signing key.
 */
export function trustTokenSigner(
  s: Services,
  tenantId: string,
  accessSigner: SignerRef,
  known?: KnownKeys,
): Promise<SignerRef> {
  return accessSigner.alg === "HS256" ? knownTenantSigner(s, tenantId, known) : Promise.resolve(accessSigner);
}

/**
 * A software WebAuthn authenticator for tests: a WebCrypto P-256 key, attestation format `none`,
 * and every byte the relying party checks under the test's control (origin, RP id, type,
 * challenge, UP/UV/BE/BS flags, counter, user handle), so negative cases are signed in the test
 * instead of being hand-edited fixtures.
 *
 *   const auth = await SoftAuthenticator.create();
 *   const reg = await auth.register({ challenge, origin, rpId });                  // → attestation JSON
 *   const assertion = await auth.assert({ challenge, origin, rpId, counter: 1 });  // → assertion JSON
 */
import { base64UrlDecode, base64UrlEncode, utf8 } from "../../src/domain/encoding.ts";

// ---- minimal CBOR encoder (RFC 8949): unsigned/negative ints, byte and text strings, maps -------

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function cbor(v: Cbor): Uint8Array {
  const out: number[] = [];
  const enc = (x: Cbor): void => {
    if (typeof x === "number") out.push(...(x >= 0 ? head(0, x) : head(1, -1 - x)));
    else if (typeof x === "string") {
      const b = utf8(x);
      out.push(...head(3, b.length), ...b);
    } else if (x instanceof Uint8Array) out.push(...head(2, x.length), ...x);
    else {
      out.push(...head(5, x.size));
      for (const [k, val] of x) {
        enc(k);
        enc(val);
      }
    }
  };
  enc(v);
  return new Uint8Array(out);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", b));

/** ECDSA raw r‖s (WebCrypto) → ASN.1 DER (what WebAuthn carries for ES256). */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.subarray(0, 32)), int(raw.subarray(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export type CeremonyOptions = {
  /** The challenge as the server sent it (base64url string). */
  challenge: string;
  origin: string;
  rpId: string;
  /** Overrides `type` in clientDataJSON (default webauthn.create / webauthn.get). */
  type?: string;
  /** Default UP|UV. BE/BS are added from the authenticator's `backupEligible`/`backedUp` unless `flags` is given. */
  flags?: number;
  counter?: number;
  userHandle?: string | null;
};

export class SoftAuthenticator {
  private constructor(
    private readonly keys: CryptoKeyPair,
    readonly credentialId: Uint8Array,
    readonly backupEligible: boolean,
  ) {}

  static async create(opts: { backupEligible?: boolean; credentialIdBytes?: number } = {}): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    return new SoftAuthenticator(
      keys,
      crypto.getRandomValues(new Uint8Array(opts.credentialIdBytes ?? 32)),
      opts.backupEligible ?? false,
    );
  }

  get id(): string {
    return base64UrlEncode(this.credentialId);
  }

  private defaultFlags(): number {
    return FLAG.UP | FLAG.UV | (this.backupEligible ? FLAG.BE | FLAG.BS : 0);
  }

  private async coseKey(): Promise<Uint8Array> {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, base64UrlDecode(jwk.x!)],
        [-3, base64UrlDecode(jwk.y!)],
      ]),
    );
  }

  private clientData(o: CeremonyOptions, type: string): Uint8Array {
    return utf8(JSON.stringify({ type: o.type ?? type, challenge: o.challenge, origin: o.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create() with attestation `none`, as PublicKeyCredential.toJSON(). */
  async register(o: CeremonyOptions) {
    const flags = (o.flags ?? this.defaultFlags()) | FLAG.AT;
    const counter = o.counter ?? 0;
    const idLen = new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
    const authData = concat(
      await sha256(utf8(o.rpId)),
      new Uint8Array([flags]),
      u32(counter),
      new Uint8Array(16),
      idLen,
      this.credentialId,
      await this.coseKey(),
    );
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: base64UrlEncode(this.clientData(o, "webauthn.create")),
        attestationObject: base64UrlEncode(attestationObject),
        transports: ["internal"],
      },
    };
  }

  /** navigator.credentials.get(), as PublicKeyCredential.toJSON(); signs authData ‖ SHA-256(clientDataJSON). */
  async assert(o: CeremonyOptions & { userId?: string }) {
    const flags = o.flags ?? this.defaultFlags();
    const authData = concat(await sha256(utf8(o.rpId)), new Uint8Array([flags]), u32(o.counter ?? 0));
    const clientDataJSON = this.clientData(o, "webauthn.get");
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed),
    );
    const userHandle =
      o.userHandle !== undefined ? o.userHandle : o.userId ? base64UrlEncode(uuidBytes(o.userId)) : null;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64UrlEncode(clientDataJSON),
        authenticatorData: base64UrlEncode(authData),
        signature: base64UrlEncode(derSignature(raw)),
        userHandle,
      },
    };
  }
}

function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

export function uuidBytes(id: string): Uint8Array {
  const hex = id.replace(/-/g, "");
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

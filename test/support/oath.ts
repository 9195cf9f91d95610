/**
 * Independent TOTP implementations for cross-checks (node and e2e projects):
 *  - `otpauth` (npm devDependency, its own HMAC from @noble/hashes): always available, so the check always runs;
 *  - oathtool from OATH Toolkit (Debian package `oathtool`): an extra check where /usr/bin/oathtool is installed.
 * RFC 6238 §4 (T = floor(unix time / 30)), §1.2 / RFC 4226 §5.3 (dynamic truncation to 6 or 8 digits).
 */
import * as OTPAuth from "otpauth";

export type TotpHash = "SHA-1" | "SHA-256" | "SHA-512";

/** The code for the 30 s step containing `epochSeconds`, computed by otpauth. */
export function otpauthTotp(
  secretBase32: string,
  epochSeconds: number,
  opts: { digits?: number; hash?: TotpHash } = {},
): string {
  const algorithm = (opts.hash ?? "SHA-1").replace("-", "");
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secretBase32),
    algorithm,
    digits: opts.digits ?? 6,
    period: 30,
  });
  return totp.generate({ timestamp: epochSeconds * 1000 });
}

export const OATHTOOL = "/usr/bin/oathtool";
/** Runs oathtool with `args` and returns its output lines. */
export type Oathtool = (args: readonly string[]) => string[];

type ExecFileSync = (file: string, args: readonly string[], options: { encoding: "utf8"; timeout: number }) => string;

/**
 * oathtool when /usr/bin/oathtool exists and runs, else undefined (it is an optional extra check; the
 * otpauth cross-check is the one that always runs). Node only: workerd cannot spawn processes.
 */
export async function findOathtool(): Promise<Oathtool | undefined> {
  // A computed specifier keeps Node's types out of the Worker-typed tsconfig (no @types/node in the repo).
  const { execFileSync } = (await import(/* @vite-ignore */ `node:${"child_process"}`)) as {
    execFileSync: ExecFileSync;
  };
  const run: Oathtool = (args) =>
    execFileSync(OATHTOOL, args, { encoding: "utf8", timeout: 10_000 }).trim().split("\n");
  try {
    run(["--version"]);
    return run;
  } catch {
    console.warn(
      `[totp] ${OATHTOOL} not found: the extra oathtool comparison is left out; the otpauth cross-check runs regardless`,
    );
    return undefined;
  }
}

/**
 * The UserGuard class lives in src/objects/user-guard.ts; its storage modules beside this file.
 * This path stays for code written against it (the twoFactorId helpers, the class's type).
 */
export { parseTwoFactorId, totpAad } from "./user-guard-ids.ts";
export type { UserGuard } from "../../objects/user-guard.ts";

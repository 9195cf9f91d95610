/**
 * The UserGuard class lives in src/objects/user-guard.ts; its storage modules beside this file.
 * This path stays for code that imports the twoFactorId helpers from it.
 */
export { parseTwoFactorId, totpAad } from "./user-guard-ids.ts";

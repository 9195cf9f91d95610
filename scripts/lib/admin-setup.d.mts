export const SYSTEM_TENANT_ID: string;
export const ADMIN_APPLICATION_ID: string;
export type Api = (
  method: string,
  path: string,
  opts?: { tenantId?: string; body?: unknown },
) => Promise<{ status: number; json?: unknown; text: string }>;
export function ensureAdminApplication(api: Api, baseUrl: string): Promise<void>;
export function ensureAdmin(
  api: Api,
  who: { email: string; tenantId?: string | null },
): Promise<{ userId: string; password: string | null }>;

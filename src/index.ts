import { DurableObject } from "cloudflare:workers";
export class UserGuard extends DurableObject {
  async ping() { return "pong"; }
}
export default { async fetch(req: Request, env: any) { return new Response("ok " + (await env.USER_GUARD.getByName("x").ping())); } };

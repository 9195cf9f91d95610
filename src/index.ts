/** Worker entry: the Hono app and the Durable Object classes. Nothing else. */
import { createApp } from "./app.ts";

export { UserGuard } from "./storage/durable-objects/user-guard.ts";
export default createApp();

/**
 * The unmodified @fusionauth/typescript-client inside the workers test runtime: its default REST
 * client sends with node-fetch, so this builder hands every request it builds to the worker's own
 * `fetch` instead (same URL, method, headers and body; the client's own response handlers read the answer).
 */
import { exports } from "cloudflare:workers";
import { FusionAuthClient } from "@fusionauth/typescript-client";
import DefaultRESTClient from "@fusionauth/typescript-client/build/src/DefaultRESTClient";
import type ClientResponse from "@fusionauth/typescript-client/build/src/ClientResponse";

class WorkerRESTClient<RT, ERT> extends DefaultRESTClient<RT, ERT> {
  override async go(): Promise<ClientResponse<RT>> {
    const response = await exports.default.fetch(
      new Request(this.getFullUrl(), {
        method: this.method,
        headers: this.headers,
        body: this.body as BodyInit | undefined,
      }),
    );
    // The client's handlers are typed for node-fetch's Response; the standard one has the same surface.
    if (response.ok) return this.responseHandler(response as never);
    throw await this.errorResponseHandler(response as never);
  }
}

/** A FusionAuth client talking to this worker with `apiKey` (and `tenantId` as X-FusionAuth-TenantId when given). */
export function fusionAuthClient(apiKey: string, tenantId?: string): FusionAuthClient {
  const client = new FusionAuthClient(apiKey, "http://edge-mfa.test", tenantId);
  client.clientBuilder = { build: <RT, ERT>(host: string) => new WorkerRESTClient<RT, ERT>(host) };
  return client;
}

/**
 * The OpenAPI registry (src/openapi.ts) on its own: path and query parameters, input vs output
 * rendering, `.meta({ id })` components, empty-body responses and the default 401.
 * It registers test routes into the process-wide registry, so it runs in the Node project, apart from
 * the workers project (which shares one module graph across files, see vitest.config.ts), where
 * test/routes/docs.test.ts checks that every registered route is served.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { buildOpenAPIDocument, errorsSchema, registerRoute } from "../../src/openapi.ts";

const Widget = z.object({ size: z.number().int().default(1) }).meta({ id: "Widget" });

registerRoute({
  method: "post",
  path: "/test/widget/:widgetId",
  summary: "A test route",
  tags: ["Test"],
  auth: "apiKey",
  query: z.object({ dryRun: z.enum(["true", "false"]).optional(), mode: z.string() }),
  body: z.object({ widget: Widget }),
  responses: {
    200: { description: "ok", schema: z.object({ widget: Widget }) },
    400: { description: "bad", schema: errorsSchema },
    404: { description: "missing" },
  },
});

describe("buildOpenAPIDocument", () => {
  const doc = buildOpenAPIDocument() as Record<string, any>;
  const op = doc.paths["/test/widget/{widgetId}"].post;

  it("turns :params into path parameters and query schemas into query parameters", () => {
    expect(op.parameters).toEqual([
      { name: "widgetId", in: "path", required: true, schema: { type: "string" } },
      { name: "dryRun", in: "query", required: false, schema: { type: "string", enum: ["true", "false"] } },
      { name: "mode", in: "query", required: true, schema: { type: "string" } },
    ]);
  });

  it("hoists ids into components, separately for input and output when they differ", () => {
    expect(op.responses["200"].content["application/json"].schema.properties.widget).toEqual({
      $ref: "#/components/schemas/Widget",
    });
    expect(op.requestBody.content["application/json"].schema.properties.widget).toEqual({
      $ref: "#/components/schemas/WidgetInput",
    });
    expect(doc.components.schemas.Widget.required).toEqual(["size"]);
    expect(doc.components.schemas.WidgetInput.required).toBeUndefined();
    expect(op.requestBody.required).toBe(true);
  });

  it("renders empty-body responses without content and adds the 401 of keyed routes", () => {
    expect(op.responses["404"]).toEqual({ description: "missing" });
    expect(op.responses["401"]).toEqual({ description: expect.any(String) });
    expect(op.responses["400"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Errors" });
    expect(op.security).toEqual([{ apiKey: [] }]);
  });

  it("rebuilds after a later registration", () => {
    registerRoute({
      method: "get",
      path: "/test/later",
      summary: "later",
      tags: ["Test"],
      auth: "none",
      responses: { 200: { description: "ok" } },
    });
    expect((buildOpenAPIDocument() as Record<string, any>).paths["/test/later"].get.security).toEqual([]);
  });
});

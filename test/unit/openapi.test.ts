import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApp } from "../../edge/app.js";
import { OPENAPI_FILE, openApiText } from "../../scripts/openapi.js";
import { fakeEdge } from "../support/fake-edge.js";

/** The HTTP API's OpenAPI description: current, valid, and true to what the route answers. */
const committed = readFileSync(OPENAPI_FILE, "utf8");
const document = JSON.parse(committed) as { components: { schemas: Record<string, object> } };
const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };

function validator(name: string) {
  const ajv = new Ajv2020({ strict: false });
  return ajv.compile(document.components.schemas[name]!);
}

describe("OpenAPI description", () => {
  it("is what the zod schemas make (run npm run openapi after changing them)", () => {
    expect(committed).toBe(openApiText());
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    // The validator throws, naming the problem, on anything the OpenAPI 3.1 schema does not allow.
    const api = (await SwaggerParser.validate(structuredClone(document) as never)) as { openapi?: string };
    expect(api.openapi).toBe("3.1.0");
  });

  it("is served at GET /v1/openapi.json", async () => {
    const res = await createApp(fakeEdge()).request("/v1/openapi.json");
    expect([res.status, await res.json()]).toEqual([200, document]);
  });

  it("describes the replies and errors the route really sends", async () => {
    const app = createApp(
      fakeEdge({
        respond: async (_message, sender) => {
          await sender.send({ channel: "http", account: "crm", chat: "c-1" }, { text: "An FAQ answer." });
          return { reply: { text: "An FAQ answer.", outcome: "faq" }, delivery: undefined };
        },
      }),
    );
    const post = (body: string) =>
      app.request(
        "/v1/messages",
        { method: "POST", body, headers: { authorization: "Bearer fake-api-key-0123456789" } },
        {},
        ctx,
      );
    const reply = await (await post('{"user_id":"c-1","text":"opening hours?"}')).json();
    const isReply = validator("MessageReply");
    expect(isReply(reply), JSON.stringify(isReply.errors)).toBe(true);
    const error = await (await post('{"user_id":"c-1"}')).json();
    const isError = validator("Error");
    expect(isError(error), JSON.stringify(isError.errors)).toBe(true);
    // And the request schema refuses what the route refuses.
    const isRequest = validator("MessageRequest");
    expect(isRequest({ user_id: "c-1" })).toBe(false);
    expect(isRequest({ user_id: "c 1", text: "hi" })).toBe(false);
    expect(isRequest({ user_id: "c-1", text: "hi" })).toBe(true);
  });
});

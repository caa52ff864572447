import * as z from "zod";
import { ErrorBody, MessageReply, MessageRequest } from "./schema.js";

/**
 * The OpenAPI 3.1 description of the HTTP API, made from the same zod schemas the route checks
 * requests with. `npm run openapi` writes it to openapi.json (the build does too), which the Worker
 * serves at GET /v1/openapi.json; a test keeps the file equal to what this makes.
 */
export function openApiDocument(version: string) {
  const schema = (s: z.ZodType, io: "input" | "output") => {
    const { $schema: _dialect, ...json } = z.toJSONSchema(s, { target: "draft-2020-12", io });
    return json;
  };
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "IM edge gateway: HTTP API",
      version,
      description:
        "Send a customer's message to the assistant and get its reply, as JSON or as a stream of server-sent events. " +
        "Conversations are kept per API key and user_id, in the region of the client's country.",
    },
    security: [{ apiKey: [] }],
    paths: {
      "/v1/messages": {
        post: {
          operationId: "sendMessage",
          summary: "Send a message and receive the assistant's reply",
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description:
                "A retry with the same key (and user_id) is answered from the saved reply instead of asking the model again; the same key with a different request is refused (422).",
              schema: { type: "string", maxLength: 128 },
            },
            {
              name: "Accept",
              in: "header",
              required: false,
              description:
                "text/event-stream streams the reply: delta events, then one done event (or an error event).",
              schema: { type: "string" },
            },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/MessageRequest" } } },
          },
          responses: {
            "200": {
              description:
                "The reply. As server-sent events: `delta` events with {text} while the model writes, then `done` with the reply object, or `error` with {code, message} if the model fails mid-answer.",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/MessageReply" } },
                "text/event-stream": { schema: { type: "string" } },
              },
            },
            "400": error("The body is not JSON, or not a message (the message names the field)."),
            "401": error("No API key, or not one of HTTP_API_KEYS."),
            "413": error("The body is larger than 64 KiB."),
            "422": error(
              "The Idempotency-Key was already used with a different request (idempotency_key_reused): use a new key.",
            ),
            "429": error("This user sends messages faster than the rate limit; retry after the Retry-After seconds."),
            "503": error("No model can answer now (model_unavailable); retry later."),
            "504": error("The model took too long (model_timeout)."),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "One of the keys of the HTTP_API_KEYS setting." },
      },
      schemas: {
        MessageRequest: schema(MessageRequest, "input"),
        MessageReply: schema(MessageReply, "output"),
        Error: schema(ErrorBody, "output"),
      },
    },
  };
}

import * as z from "zod";
import { MESSAGE_TEXT_MAX_CHARS } from "../../limits.js";
import { LanguageTag } from "../language-tag.js";

/**
 * The HTTP API's bodies, declared once: the request is checked against them, the OpenAPI description
 * (`GET /v1/openapi.json`, generated at build time by `npm run openapi`) is made from them.
 */

export const MessageRequest = z.object({
  user_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.@:+-]+$/, "letters, digits and . _ @ : + - only")
    .describe("Your id of the customer. Each API key keeps its own conversations per user_id."),
  text: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(MESSAGE_TEXT_MAX_CHARS, `at most ${MESSAGE_TEXT_MAX_CHARS} characters`)
    .describe(
      "What the customer wrote, at most MESSAGE_TEXT_MAX_CHARS characters (whether the model can read it all is the token budget's rule: a longer message is answered with a request to shorten it). A leading /start, /help, /reset, /forget, /region or /reminders is a command.",
    ),
  lang: LanguageTag.optional().describe(
    "The customer's language as your system knows it (a BCP 47 tag such as de, fr-CA or pt-BR), where you know it. The reply and the service's own texts (a command's reply, the apology when the model is down) are in the language the customer writes in when the text says it clearly (a short text such as \"ok\" does not), else the conversation's, else this one; always one of the languages of the customer's region.",
  ),
});

export const MessageReply = z.object({
  recipient_id: z.string().describe("The user_id the reply is for."),
  message: z.object({ text: z.string().describe("The assistant's reply.") }),
  metadata: z.object({
    model: z.string().describe("The model that answered (MODEL_NAME)."),
    region: z.string().describe("Region of infra/regions.json whose model and database served this user."),
    source: z
      .enum(["faq", "faq_offline", "filter", "too_long"])
      .optional()
      .describe(
        "Set when the reply did not come from the model: an FAQ answer, an FAQ answer while the model is down, the content filter's refusal, or a request to shorten a message longer than the model's input budget.",
      ),
  }),
});

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe("Machine-readable: bad_request, unauthorized, rate_limited, model_timeout…"),
    message: z.string().describe("What went wrong, for a person."),
    problems: z.array(z.string()).optional(),
  }),
});

export type MessageReply = z.infer<typeof MessageReply>;

import { z } from "zod";

/**
 * The parts of a WhatsApp Cloud API webhook this gateway reads: entry[].changes[].value with
 * messages, statuses and errors. Unknown fields and message types pass through.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
const GraphErrorItem = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
});

export const WhatsAppMessage = z.looseObject({
  from: z.string(),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
});
export type WhatsAppMessage = z.infer<typeof WhatsAppMessage>;

const WhatsAppStatus = z.looseObject({
  id: z.string(),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z.array(GraphErrorItem).optional(),
});

const Value = z.looseObject({
  messaging_product: z.literal("whatsapp"),
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string() }),
  messages: z.array(WhatsAppMessage).optional(),
  statuses: z.array(WhatsAppStatus).optional(),
  errors: z.array(GraphErrorItem).optional(),
});

export const WhatsAppWebhook = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.looseObject({
      id: z.string(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.looseObject({}) })),
    }),
  ),
});

/** A change's value when its field is "messages"; other fields (template updates, quality…) are not read. */
export const MessagesValue = Value;

/** Graph API error body: `{"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}`. */
export const GraphErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  }),
});

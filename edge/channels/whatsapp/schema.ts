import * as z from "zod";

/**
 * The parts of a WhatsApp Cloud API webhook this gateway reads: entry[].changes[].value with
 * messages, statuses and errors. Unknown fields and message types pass through.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
export const GraphErrorItem = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
});

/**
 * One message. A user who uses a WhatsApp username and shares no phone number comes without `from`,
 * identified only by their business-scoped user id (`from_user_id`, BSUID).
 */
export const WhatsAppMessage = z.looseObject({
  from: z.string().min(1).optional(),
  from_user_id: z.string().min(1).optional(),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string(),
  /** Set for messages of a WhatsApp group. */
  group_id: z.string().optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string().optional(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
  system: z.looseObject({ type: z.string().optional() }).optional(),
  /**
   * A reaction on a message (`message_id`, the one reacted to); an empty or absent emoji takes a
   * reaction back. Read leniently: a reaction it cannot read is one that counts for nothing.
   */
  reaction: z
    .looseObject({ message_id: z.string().optional(), emoji: z.string().optional() })
    .optional()
    .catch(undefined),
});
export type WhatsAppMessage = z.infer<typeof WhatsAppMessage>;

export const WhatsAppStatus = z.looseObject({
  id: z.string(),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z.array(GraphErrorItem).optional(),
});

/**
 * A `messages` change's value. Its lists are read item by item (an item that does not fit is counted,
 * not fatal), so here they are arrays of anything.
 */
const Value = z.looseObject({
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string() }),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});

/** The envelope: anything else is not a webhook of the WhatsApp Business Account at all (a 400). */
export const WhatsAppWebhook = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.unknown()),
});

/** One entry: its changes, each read on its own. */
export const WhatsAppEntry = z.looseObject({ changes: z.array(z.unknown()) });

export const WhatsAppChange = z.looseObject({ field: z.string(), value: z.unknown() });

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

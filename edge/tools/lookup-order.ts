import * as z from "zod";
import { defineTool } from "./types.js";
import { withinMs } from "../deadline.js";

/**
 * `lookup_order(order_id)`: the status of one of the user's own orders, from the business's order API
 * (ORDERS_API_URL, bearer ORDERS_API_KEY). The customer is the verified sender: the API is asked for
 * `/customers/<user key>/orders/<order_id>`, so an order of anyone else is simply not found.
 */
export const lookupOrder = defineTool({
  name: "lookup_order",
  description:
    "Look up the status, items and delivery estimate of one of the customer's own orders by its order number.",
  // Unknown keys (a "customer" the model made up, say) are dropped, never used.
  args: z.object({
    order_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{1,40}$/, "an order number: letters, digits and dashes"),
  }),
  enabled: ({ config }) => Boolean(config.orders),
  async run({ order_id }, { userKey, config }) {
    const orders = config.orders!;
    const url = `${orders.apiUrl}/customers/${encodeURIComponent(userKey)}/orders/${encodeURIComponent(order_id)}`;
    let res: Response;
    let body: unknown;
    try {
      // The order system gets TIMEOUT_ORDERS_MS for its whole answer; past it the customer is told, not kept waiting.
      [res, body] = await withinMs(config.timeouts.ordersMs, async (signal) => {
        const answer = await fetch(url, {
          headers: { authorization: `Bearer ${orders.apiKey}`, accept: "application/json" },
          signal,
        });
        return [answer, answer.ok ? ((await answer.json()) as unknown) : undefined] as const;
      });
    } catch (err) {
      const late = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      return {
        found: false,
        order_id,
        note: late
          ? "The order system did not answer in time; suggest trying again in a few minutes."
          : "The order system could not answer; suggest trying again later.",
      };
    }
    if (res.status === 404)
      return { found: false, order_id, note: "No order with this number belongs to this customer." };
    if (!res.ok)
      return {
        found: false,
        order_id,
        note: `The order system could not answer (HTTP ${res.status}); suggest trying again later.`,
      };
    return { found: true, order: body };
  },
});

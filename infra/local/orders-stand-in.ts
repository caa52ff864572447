import http from "node:http";
import { listen, sendJson } from "./http.js";

/**
 * A stand-in for the business's order API behind the lookup_order tool:
 * `GET /customers/<customer>/orders/<order id>` with a bearer key answers the order, or 404 when that
 * customer has no such order. Customers are the edge's verified user keys.
 */
export interface Order {
  order_id: string;
  status: string;
  items: string[];
  eta?: string;
}

export interface OrdersStandIn {
  url: string;
  /** Every lookup, with the customer it was made for. */
  lookups: Array<{ customer: string; orderId: string }>;
  add(customer: string, order: Order): void;
  /** The next lookups are taken and never answered. */
  hangNext(count?: number): void;
  close(): Promise<void>;
}

export async function startOrdersStandIn(options: {
  apiKey: string;
  port?: number;
  host?: string;
}): Promise<OrdersStandIn> {
  const orders = new Map<string, Order>();
  const lookups: OrdersStandIn["lookups"] = [];
  let hanging = 0;
  const server = http.createServer((req, res) => {
    const m = /^\/customers\/([^/]+)\/orders\/([^/]+)$/.exec(new URL(req.url ?? "/", "http://orders").pathname);
    if (req.method !== "GET" || !m) return sendJson(res, 404, { error: "not found" });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return sendJson(res, 401, { error: "unauthorized" });
    const customer = decodeURIComponent(m[1]!);
    const orderId = decodeURIComponent(m[2]!);
    lookups.push({ customer, orderId });
    if (hanging > 0) {
      hanging -= 1;
      return; // the socket stays open, unanswered, until the client gives up
    }
    const order = orders.get(`${customer}\n${orderId}`);
    return order ? sendJson(res, 200, order) : sendJson(res, 404, { error: "no such order for this customer" });
  });
  return {
    url: await listen(server, options),
    lookups,
    add: (customer, order) => void orders.set(`${customer}\n${order.order_id}`, order),
    hangNext: (count = 1) => void (hanging += count),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * `npm run openapi`: writes the HTTP API's OpenAPI description (edge/channels/http/openapi.json) from
 * its zod schemas. `npm run build` runs it first; a test fails when the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { openApiDocument } from "../edge/channels/http/openapi.js";
import pkg from "../package.json" with { type: "json" };

export const OPENAPI_FILE = "edge/channels/http/openapi.json";

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(pkg.version), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_FILE, openApiText());
  console.log(`wrote ${OPENAPI_FILE}`);
}

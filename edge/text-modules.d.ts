/**
 * Files imported as their text: the conversation store's Lua scripts. Wrangler bundles them as Text
 * modules (wrangler.jsonc, "rules"), and the tests load them the same way (vitest.config.ts).
 */
declare module "*.lua" {
  const text: string;
  export default text;
}

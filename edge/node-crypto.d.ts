// The parts of node:crypto the edge uses (workerd provides it under nodejs_compat). Declared here
// rather than by @types/node, so that the rest of Node's API stays out of the Worker's types.
declare module "node:crypto" {
  interface Hmac {
    update(data: string): Hmac;
    digest(encoding: "hex" | "base64"): string;
  }
  export function createHmac(algorithm: "sha256", key: string): Hmac;
  export function createHash(algorithm: "sha1" | "sha256"): Hmac;
}

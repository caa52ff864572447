import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.js";
import { renderMarkdown, type Doc } from "../../../edge/channels/webchat/client/render-markdown.js";
import { WEBCHAT_PAGE } from "../../../edge/channels/webchat/page.js";
import { CLIENT_FILE, clientText } from "../../../scripts/webchat-client.js";
import { fakeEdge } from "../../support/fake-edge.js";

/** A DOM of plain objects: enough to see which elements and attributes the renderer makes. */
interface Node {
  tag?: string;
  text?: string;
  attrs: Record<string, string>;
  children: Node[];
}
const doc: Doc = {
  createElement: (tag) => {
    const node: Node = { tag, attrs: {}, children: [] };
    return Object.assign(node, {
      appendChild: (child: object) => (node.children.push(child as Node), child),
      setAttribute: (name: string, value: string) => void (node.attrs[name] = value),
      replaceChildren: () => void (node.children.length = 0),
    });
  },
  createTextNode: (text) => ({ text, attrs: {}, children: [] }),
};
const tags = (node: Node): string[] => [...(node.tag ? [node.tag] : []), ...node.children.flatMap(tags)];
const text = (node: Node): string => node.text ?? node.children.map(text).join("");

describe("the web chat page", () => {
  it("embeds the current build of its Markdown renderer (run npm run webchat:client after changing it)", () => {
    expect(readFileSync(CLIENT_FILE, "utf8")).toBe(clientText());
  });

  it("allows exactly its own scripts, by hash, and no HTML made from strings", async () => {
    const res = await createApp(fakeEdge()).request("/chat");
    const csp = res.headers.get("content-security-policy") ?? "";
    const scripts = [...WEBCHAT_PAGE.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    const allowed = /script-src ([^;]*)/.exec(csp)![1]!.split(" ");
    expect(allowed).toEqual(scripts.map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`));
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(WEBCHAT_PAGE).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("renders an answer's Markdown as a fixed set of elements, its HTML as text, and only safe links", () => {
    const target = doc.createElement("div") as unknown as Node;
    renderMarkdown(
      doc,
      target as never,
      '**Hi** <b onclick="x()">bold?</b> [ok](https://shop.example) [no](javascript:alert(1))\n\n```\ncode\n```',
    );
    expect(tags(target)).toEqual(["div", "strong", "a", "pre", "code"]);
    expect(text(target)).toBe('Hi <b onclick="x()">bold?</b> ok no\n\ncode');
    const link = target.children.find((c) => c.tag === "a")!;
    expect(link.attrs).toEqual({ href: "https://shop.example", target: "_blank", rel: "noopener noreferrer nofollow" });
  });
});

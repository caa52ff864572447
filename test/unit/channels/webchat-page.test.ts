import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.js";
import { renderMarkdown, type Doc } from "../../../edge/channels/webchat/client/render-markdown.js";
import { webChatPage } from "../../../edge/channels/webchat/page.js";
import { TEXT_LANGUAGES, textsFor } from "../../../edge/texts/index.js";
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
    const allowed = /script-src ([^;]*)/.exec(csp)![1]!.split(" ");
    // The same scripts in every language: the page's texts are data, not script.
    for (const lang of TEXT_LANGUAGES) {
      const page = webChatPage(lang);
      const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(scripts).toHaveLength(2);
      expect(allowed).toEqual(scripts.map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`));
      expect(page).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
    expect(csp).toContain("require-trusted-types-for 'script'");
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

describe("the web chat page's language", () => {
  const app = createApp(fakeEdge());
  const page = (acceptLanguage?: string) =>
    app.request("/chat", acceptLanguage ? { headers: { "accept-language": acceptLanguage } } : {});
  /** The texts the page's script says itself (its JSON data block). */
  const scriptTexts = (html: string) =>
    JSON.parse(/<script type="application\/json" id="texts">([^<]*)<\/script>/.exec(html)![1]!) as Record<
      string,
      string
    >;

  it("is the browser's: a German browser gets every label of the page in German", async () => {
    const res = await page("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7");
    expect(res.headers.get("content-language")).toBe("de");
    expect(res.headers.get("vary")).toMatch(/accept-language/i);
    const html = await res.text();
    const de = textsFor("de");
    expect(html).toContain('<html lang="de">');
    expect(html).toContain(`<title>${de("webchat.page.title")}</title>`);
    expect(html).toContain(`placeholder="${de("webchat.page.placeholder")}"`);
    expect(html).toContain(`aria-label="${de("webchat.page.message")}"`);
    expect(html).toContain(`>${de("webchat.page.send")}</button>`);
    expect(html).toContain(`role="status">${de("webchat.page.connecting")}</div>`);
    expect(html).toContain("Mit <b>/reset</b> beginnen Sie von vorn.");
    expect(scriptTexts(html)).toMatchObject({
      online: de("webchat.page.online"),
      good: de("webchat.page.good"),
      bad: de("webchat.page.bad"),
      typing: de("webchat.page.typing"),
      // Placeholders the script fills itself.
      offline: "Keine Verbindung – neuer Versuch in {seconds} s",
    });
    // Nothing of the English page is left.
    const en = textsFor("en");
    expect(html).not.toContain(`"${en("webchat.page.placeholder")}"`);
    expect(html).not.toContain(`>${en("webchat.page.send")}<`);
    expect(html).not.toContain(`"${en("webchat.page.online")}"`);
  });

  it.each([
    ["fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"],
    ["en-GB;q=0.5, ja;q=0.9", "ja"],
    ["zh-CN, pt-BR;q=0.3", "pt"],
    ["zh-CN, ru;q=0.9", "en"],
    ["de;q=0, ko", "ko"],
    [undefined, "en"],
  ])("is the best of the product's languages by Accept-Language %j: %s", async (header, lang) => {
    const res = await page(header);
    expect(res.headers.get("content-language")).toBe(lang);
    const html = await res.text();
    expect(html).toContain(`<html lang="${lang}">`);
    expect(html).toContain(`<title>${textsFor(lang)("webchat.page.title")}</title>`);
    expect(scriptTexts(html).online).toBe(textsFor(lang)("webchat.page.online"));
  });

  it("makes no markup of its texts", () => {
    for (const lang of TEXT_LANGUAGES) {
      const html = webChatPage(lang);
      // The only elements of the body are the page's own; the texts' data block holds no "<".
      expect(html.match(/<b>/g)).toHaveLength(1);
      expect(/id="texts">([^<]*)<\/script>/.test(html)).toBe(true);
    }
  });
});

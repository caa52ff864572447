import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The `docker run` of vLLM in a script: its environment flags and the model's arguments. */
function vllmRun(script: string, marker: RegExp): { env: string[]; model: string[] } {
  const text = readFileSync(script, "utf8");
  const start = text.search(marker);
  const run = text.slice(start, text.indexOf("serve-flags", text.indexOf("--model", start)));
  return {
    env: [...run.matchAll(/-e ([A-Z_]+)=/g)].map((m) => m[1]!).sort(),
    model: [...run.matchAll(/(--model|--revision|--tokenizer-revision) "\$([A-Z_]+)"/g)].map((m) => `${m[1]} ${m[2]}`),
  };
}

describe("the GPU server's scripts", () => {
  it("warm the image's compile cache with vLLM started exactly as a server starts it", () => {
    // vLLM keys its compile cache by a hash of the model's configuration (the revision among it): a
    // warm start with other arguments fills a cache no boot reads.
    const server = vllmRun("gpu-origin/startup.sh", /exec \/usr\/bin\/docker run --rm --name vllm /);
    const warm = vllmRun("gpu-origin/image/setup.sh", /docker run -d --name vllm-warm /);
    expect(server.model).toEqual(["--model MODEL", "--revision MODEL_REVISION", "--tokenizer-revision MODEL_REVISION"]);
    expect(warm).toEqual(server);
  });
});

/**
 * Runs the gpt-oss emulator on its own:
 *   EMULATOR_PORT=8000 EMULATOR_API_KEY=secret npx tsx gpu-origin/emulator/main.ts
 * EMULATOR_FIRST_TOKEN_MS, EMULATOR_TOKENS_PER_SECOND and EMULATOR_REASONING_FIELD
 * (reasoning | reasoning_content) shape its answers.
 */
import { startEmulator } from "./server.js";

const env = process.env;
const field = env.EMULATOR_REASONING_FIELD === "reasoning_content" ? "reasoning_content" : "reasoning";
const emulator = await startEmulator({
  port: Number(env.EMULATOR_PORT ?? 8000),
  ...(env.EMULATOR_API_KEY ? { apiKey: env.EMULATOR_API_KEY } : {}),
  firstTokenMs: Number(env.EMULATOR_FIRST_TOKEN_MS ?? 300),
  tokensPerSecond: Number(env.EMULATOR_TOKENS_PER_SECOND ?? 60),
  reasoningField: field,
});
console.log(`gpt-oss emulator listening on ${emulator.url} (OpenAI-compatible, /v1)`);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

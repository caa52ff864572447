/**
 * The figures the capacity model runs on, each with its source and the date it was read. No GPU was
 * measured here: these are published measurements, and derivations from them (marked), to be
 * replaced by the first GPU run's own (gpu-origin/bench/run.sh, the concurrency sweep; the boot
 * timings startup.sh logs). docs/CAPACITY.md explains each.
 */

/**
 * One A100 40 GB (a2-highgpu-1g) serving openai/gpt-oss-20b with vLLM, as an iteration-level model
 * of its scheduler: each iteration (engine step) takes `stepBaseMs + decodeMsPerSeq × decoding
 * sequences + prefillMsPerToken × prompt tokens prefilled`, and prefills at most `tokenBudget`
 * tokens minus one per decoding sequence (chunked prefill, the default since vLLM V1).
 */
export const A100_40GB = {
  /**
   * Single-stream decode ≈ 95 tokens/s, so an iteration with one decoding sequence takes ≈ 10.5 ms.
   * Derived: gpt-oss-120b decodes 88–90 tokens/s alone on an A100 80 GB (vllm-project/vllm issue
   * #22331, comments of 28 Aug 2025, read 2026-12-07); gpt-oss-20b reads 3.6 B active parameters a
   * token against the 120b's 5.1 B (OpenAI's model card) → ≈ 125 tokens/s on the 80 GB; × 0.76 for
   * the 40 GB part's memory bandwidth (1,555 against 2,039 GB/s, NVIDIA's A100 datasheet) ≈ 95.
   */
  stepBaseMs: 10.3,
  /**
   * Each further decoding sequence adds ≈ 0.21 ms to an iteration. Derived: GPUStack's A100-80GB run
   * of gpt-oss-20b on vLLM 0.11.0 (gpustack/gpustack docs/performance-lab/gpt-oss-20b/a100.md, commit
   * 1f37f1b8, read 2026-12-07) reports 5,180 output tokens/s at TPOT 43.3 ms with async scheduling,
   * i.e. ≈ 224 sequences decoding at once; (43.3 − 8.0 ms single-stream) / 223 ≈ 0.16 ms a sequence
   * on the 80 GB, × 1.31 for the 40 GB's bandwidth ≈ 0.21 ms. At 64 sequences an iteration takes
   * ≈ 23.7 ms: ≈ 2,700 output tokens/s per GPU.
   */
  decodeMsPerSeq: 0.21,
  /**
   * Prefill ≈ 18,000 prompt tokens/s. The same GPUStack page's random 2,000-in/100-out run (500
   * prompts, async scheduling) processed 18,920 tokens/s in all on the 80 GB, 95 % of them prompt
   * tokens. Prefill is bound by compute, not memory bandwidth, and both A100s have the same (312
   * TFLOPS dense BF16, NVIDIA's A100 datasheet): the 40 GB prefills as fast.
   */
  prefillMsPerToken: 1000 / 18_000,
  /** vLLM's --max-num-batched-tokens default for `vllm serve` on an A100 (vllm/engine/arg_utils.py). */
  tokenBudget: 2048,
  /** gpu-origin/serve-flags.txt: --max-num-seqs. */
  maxNumSeqs: 64,
  /**
   * KV-cache capacity in tokens: ≈ 18 GiB left for the cache at --gpu-memory-utilization 0.90 after
   * 13.7 GiB of weights ("Model loading took 13.7164 GiB", a vLLM log of gpt-oss-20b on an A100 40 GB)
   * and the CUDA graphs; ≈ 48 KiB a token across gpt-oss-20b's 24 layers (8 KV heads × 64 × 2 × 2 B),
   * of which half the layers keep only a 128-token window → ≈ 400,000 tokens. Estimate: the cache is
   * not what binds at 64 sequences of ≤ 3,072 tokens (≈ 200,000).
   */
  kvCapacityTokens: 400_000,
} as const;

/**
 * Boot to ready of a new server, seconds: VM creation and boot with the driver (30–90 s), the vLLM
 * image and weights already on the image's disk (gpu-origin/image), weights loaded (≈ 32 s: "Model
 * loading took 13.7164 GiB … startup time: 32s", a KServe report of gpt-oss-20b on an A100),
 * torch.compile from its cache and CUDA-graph capture (10–30 s cached: vllm-project/vllm issue
 * #20264, 30 Jun 2025), and the readiness completion. Estimate: median 150 s, between 110 and 240.
 * A cold boot that downloads the weights (today's startup.sh) takes minutes more.
 */
export const BOOT_SECONDS = { median: 150, min: 110, max: 240 } as const;

/**
 * Google's autoscaler for a managed instance group, as documented (cloud.google.com/compute/docs/
 * autoscaler/understanding-autoscaler-decisions and the Compute API's AutoscalingPolicy, read
 * 2026-12-07): it sizes the group for the peak of its recommendations over the stabilization period
 * (600 s, the default, not settable in google provider 6.50) before scaling in; it ignores the data of
 * VMs still in their initialization period (cooldown_period); with several signals, the largest wins;
 * a per-instance metric's average over the VMs is compared with its target; a per-group metric is
 * divided by its single-instance assignment. How often it decides is not published ("constantly"):
 * 30 s here, and custom metrics are read 60 s late (a point written every 15 s, visible within a
 * minute: cloud.google.com/monitoring/api/v3/latency-n-retention).
 */
export const AUTOSCALER = {
  /** gpu-origin/agent polls vLLM's /metrics this often, and publishes the polls' mean every sampleSeconds. */
  pollSeconds: 1,
  decisionSeconds: 30,
  metricLagSeconds: 60,
  sampleSeconds: 15,
  stabilizationSeconds: 600,
} as const;

/**
 * List prices, USD, read 2026-12-07. a2-highgpu-1g on demand, per hour: the Cloud Billing catalog as
 * Cyclenerd/google-cloud-pricing-cost-calculator's pricing.yml gives it (commit 0166a59e, generated
 * 2025-03-06): us-central1 3.673385, europe-west4 3.747972, asia-southeast1 4.013758.
 */
export const GPU_HOUR_USD = { "europe-west4": 3.747972, "us-central1": 3.673385, "asia-southeast1": 4.013758 } as const;

/**
 * Hosted gpt-oss-20b, USD per million tokens in / out (anomalyco/models.dev providers/<name>/models/
 * gpt-oss-20b.toml at commit f3fc6922, 2 Jul 2026, read 2026-12-07). OVHcloud AI Endpoints runs it in
 * Gravelines (France), an EU overflow candidate; its price there may be in euros.
 */
export const HOSTED_PER_MILLION_TOKENS = {
  "OVHcloud AI Endpoints (EU)": { input: 0.05, output: 0.18 },
  Together: { input: 0.05, output: 0.2 },
  Groq: { input: 0.075, output: 0.3 },
  DeepInfra: { input: 0.03, output: 0.14 },
} as const;

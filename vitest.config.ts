// One runner for the whole repo: unit tests beside the code, cross-package tests under tests/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'edge/**/*.test.ts', 'gpu-worker/**/*.test.ts', 'models/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each integration file starts real servers with onnxruntime sessions; two cores run two files well.
    maxWorkers: 2,
    // Offline: miniflare must not try to download Request.cf, wrangler must not send telemetry.
    env: { BSNET_LOG: 'silent', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  },
});

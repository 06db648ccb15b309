import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/env-config.js';
import { DEFAULT_CPU_MANIFEST, DEFAULT_MANIFEST, DEV_HMAC_SECRET, loadConfig } from './config.js';

describe('GPU worker config', () => {
  it('runs on embedded defaults outside production', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8081, executionProvider: 'auto', hmacSecret: DEV_HMAC_SECRET, maxBatch: 8 });
    expect(c.intraOpThreads).toBeGreaterThanOrEqual(1);
    expect(c.logLevel).toBe('info');
  });

  it('serves the int8-activation file on the CPU provider and the float file elsewhere, unless a manifest is named', () => {
    expect(loadConfig({ BSNET_EXECUTION_PROVIDER: 'cpu' }).manifestPath).toBe(DEFAULT_CPU_MANIFEST);
    expect(DEFAULT_CPU_MANIFEST).toMatch(/models\/bsnet-int8\.manifest\.json$/);
    for (const provider of ['auto', 'cuda', 'webgpu']) expect(loadConfig({ BSNET_EXECUTION_PROVIDER: provider }).manifestPath).toBe(DEFAULT_MANIFEST);
    expect(loadConfig({}).manifestPath).toBe(DEFAULT_MANIFEST);
    expect(loadConfig({ BSNET_EXECUTION_PROVIDER: 'cpu', BSNET_MODEL_MANIFEST: '/m.json' }).manifestPath).toBe('/m.json');
  });

  it('takes the log level from BSNET_LOG like every other variable', () => {
    expect(loadConfig({ BSNET_LOG: 'silent' }).logLevel).toBe('silent');
    expect(() => loadConfig({ BSNET_LOG: 'loud' })).toThrow(/BSNET_LOG/);
  });

  it('refuses production without a secret, and short secrets anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/BSNET_WORKER_HMAC_SECRET: must be set when NODE_ENV is "production"/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ BSNET_WORKER_HMAC_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('gives the development secret to NODE_ENV=development (or unset) only', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).hmacSecret).toBe(DEV_HMAC_SECRET);
    expect(loadConfig({}).hmacSecret).toBe(DEV_HMAC_SECRET);
    const secret = 's'.repeat(32);
    for (const NODE_ENV of ['staging', 'production', 'test', 'Development', '']) {
      const refused = () => loadConfig({ NODE_ENV });
      expect(refused, NODE_ENV).toThrow(ConfigError);
      expect(refused, NODE_ENV).toThrow(/BSNET_WORKER_HMAC_SECRET: must be set/);
      expect(loadConfig({ NODE_ENV, BSNET_WORKER_HMAC_SECRET: secret }).hmacSecret, NODE_ENV).toBe(secret);
    }
  });

  it('reads NODE_ENV from the env object it is given, not from process.env', () => {
    // The test runner itself sets process.env.NODE_ENV=test; an explicit env without one is development.
    expect(process.env.NODE_ENV).toBe('test');
    expect(loadConfig({ BSNET_LOG: 'silent' }).hmacSecret).toBe(DEV_HMAC_SECRET);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ BSNET_MAX_BATCH: '0' })).toThrow(/BSNET_MAX_BATCH/);
    expect(() => loadConfig({ BSNET_EXECUTION_PROVIDER: 'tpu' })).toThrow(/BSNET_EXECUTION_PROVIDER/);
  });

  it('never lets the queue be smaller than one whole request', () => {
    expect(loadConfig({ BSNET_QUEUE_CAPACITY: '2', BSNET_MAX_SLICES_PER_REQUEST: '16' }).queueCapacity).toBe(16);
  });
});

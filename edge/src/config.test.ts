import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimental_readRawConfig } from 'wrangler';
import { DEV_DESTINATION_ENCRYPTION_KEY, DEV_HMAC_SECRET, DEV_TOKEN_SIGNING_SECRET } from '../../shared/dev-secrets.js';
import { ConfigError, loadConfig, type EdgeBindings } from './config.js';

const { rawConfig } = experimental_readRawConfig({ config: 'wrangler.toml' });
const vars = rawConfig.vars as Record<string, string>;
const env = (extra: Record<string, string> = {}) => ({ ...vars, ...extra }) as unknown as EdgeBindings;
/** A real destination key: 32 bytes as base64. */
const KEY_B64 = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i + 100)));

describe('edge config', () => {
  it('parses the shipped wrangler vars (ENVIRONMENT=development), with the development secrets', () => {
    const c = loadConfig(env());
    expect(c).toMatchObject({ production: false, workerOrigins: ['http://127.0.0.1:8081'], maxSlicesPerRequest: 64, workerHmacSecret: DEV_HMAC_SECRET });
    expect(c.cacheTtlMs).toBe(24 * 3_600_000);
  });

  it('names the model the shipped manifest describes (the cache key depends on it)', () => {
    const manifest = JSON.parse(readFileSync('models/bsnet.manifest.json', 'utf8')) as { name: string; version: string; inputSize: number };
    expect(loadConfig(env()).model).toEqual({ name: manifest.name, version: manifest.version, inputSize: manifest.inputSize });
  });

  it('refuses production without secrets, and names the bad variable', () => {
    expect(() => loadConfig(env({ ENVIRONMENT: 'production' }))).toThrow(/WORKER_HMAC_SECRET: must be set when ENVIRONMENT is "production"/);
    const ok = loadConfig(env({ ENVIRONMENT: 'production', WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32), DESTINATION_ENCRYPTION_KEY: KEY_B64 }));
    expect(ok.production).toBe(true);
    expect(() => loadConfig(env({ WORKER_ORIGINS: 'not a url' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ MAX_SLICES_PER_REQUEST: '0' }))).toThrow(/MAX_SLICES_PER_REQUEST/);
  });

  it('gives the development secrets to ENVIRONMENT=development only', () => {
    expect(loadConfig(env({ ENVIRONMENT: 'development' }))).toMatchObject({ workerHmacSecret: DEV_HMAC_SECRET, tokenSigningSecret: DEV_TOKEN_SIGNING_SECRET });
    const real = { WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32), DESTINATION_ENCRYPTION_KEY: KEY_B64 };
    expect(loadConfig(env({ ENVIRONMENT: 'development', ...real }))).toMatchObject({ workerHmacSecret: real.WORKER_HMAC_SECRET, tokenSigningSecret: real.TOKEN_SIGNING_SECRET });
    for (const ENVIRONMENT of ['staging', 'production', 'Development', 'dev', '']) {
      const refused = () => loadConfig(env({ ENVIRONMENT }));
      expect(refused, ENVIRONMENT).toThrow(ConfigError);
      expect(refused, ENVIRONMENT).toThrow(/WORKER_HMAC_SECRET: must be set.*TOKEN_SIGNING_SECRET: must be set.*DESTINATION_ENCRYPTION_KEY: must be set/s);
      expect(loadConfig(env({ ENVIRONMENT, ...real })), ENVIRONMENT).toMatchObject({ workerHmacSecret: real.WORKER_HMAC_SECRET });
    }
  });

  it('reads the destination encryption key as 32 bytes of base64, the public one in development only', () => {
    const dev = loadConfig(env()).destinationEncryptionKey;
    expect(btoa(String.fromCharCode(...dev))).toBe(DEV_DESTINATION_ENCRYPTION_KEY);
    expect([...loadConfig(env({ DESTINATION_ENCRYPTION_KEY: KEY_B64 })).destinationEncryptionKey]).toEqual(Array.from({ length: 32 }, (_, i) => i + 100));
    const secrets = { WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32) };
    expect(() => loadConfig(env({ ENVIRONMENT: 'production', ...secrets }))).toThrow(/DESTINATION_ENCRYPTION_KEY: must be set when ENVIRONMENT is "production"/);
    // A wrong length or a non-base64 string would only fail at the first PUT: refused here, by name.
    for (const bad of [btoa('x'.repeat(16)), btoa('x'.repeat(33)), 'not base64!', 'x'.repeat(44)]) {
      expect(() => loadConfig(env({ ENVIRONMENT: 'production', ...secrets, DESTINATION_ENCRYPTION_KEY: bad })), bad).toThrow(/DESTINATION_ENCRYPTION_KEY: must be 32 bytes as base64/);
    }
  });

  it('reads the DICOMweb export schedule', () => {
    expect(loadConfig(env())).toMatchObject({ dicomwebRetryBaseMs: 30_000, dicomwebMaxAttempts: 8, dicomwebTimeoutMs: 60_000 });
    expect(() => loadConfig(env({ DICOMWEB_MAX_ATTEMPTS: '0' }))).toThrow(/DICOMWEB_MAX_ATTEMPTS/);
  });

  it('refuses a missing ENVIRONMENT rather than taking it for development', () => {
    const { ENVIRONMENT: _dropped, ...rest } = vars;
    expect(() => loadConfig({ ...rest } as unknown as EdgeBindings)).toThrow(/ENVIRONMENT/);
  });

  it('refuses staging with any one secret missing, naming it', () => {
    expect(() => loadConfig(env({ ENVIRONMENT: 'staging', WORKER_HMAC_SECRET: 'x'.repeat(32), DESTINATION_ENCRYPTION_KEY: KEY_B64 }))).toThrow(/TOKEN_SIGNING_SECRET: must be set/);
    expect(() => loadConfig(env({ ENVIRONMENT: 'staging', TOKEN_SIGNING_SECRET: 'y'.repeat(32), DESTINATION_ENCRYPTION_KEY: KEY_B64 }))).toThrow(/WORKER_HMAC_SECRET: must be set/);
    expect(() => loadConfig(env({ ENVIRONMENT: 'staging', WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32) }))).toThrow(/DESTINATION_ENCRYPTION_KEY: must be set/);
  });

  it('splits and normalises several worker origins', () => {
    expect(loadConfig(env({ WORKER_ORIGINS: ' https://a.example/ , https://b.example:8443' })).workerOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  });
});

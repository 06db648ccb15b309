import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimental_readRawConfig } from 'wrangler';
import { DEV_HMAC_SECRET, DEV_TOKEN_SIGNING_SECRET } from '../../shared/dev-secrets.js';
import { ConfigError, loadConfig, type EdgeBindings } from './config.js';

const { rawConfig } = experimental_readRawConfig({ config: 'wrangler.toml' });
const vars = rawConfig.vars as Record<string, string>;
const env = (extra: Record<string, string> = {}) => ({ ...vars, ...extra }) as unknown as EdgeBindings;

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
    const ok = loadConfig(env({ ENVIRONMENT: 'production', WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32) }));
    expect(ok.production).toBe(true);
    expect(() => loadConfig(env({ WORKER_ORIGINS: 'not a url' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ MAX_SLICES_PER_REQUEST: '0' }))).toThrow(/MAX_SLICES_PER_REQUEST/);
  });

  it('gives the development secrets to ENVIRONMENT=development only', () => {
    expect(loadConfig(env({ ENVIRONMENT: 'development' }))).toMatchObject({ workerHmacSecret: DEV_HMAC_SECRET, tokenSigningSecret: DEV_TOKEN_SIGNING_SECRET });
    const real = { WORKER_HMAC_SECRET: 'x'.repeat(32), TOKEN_SIGNING_SECRET: 'y'.repeat(32) };
    expect(loadConfig(env({ ENVIRONMENT: 'development', ...real }))).toMatchObject({ workerHmacSecret: real.WORKER_HMAC_SECRET, tokenSigningSecret: real.TOKEN_SIGNING_SECRET });
    for (const ENVIRONMENT of ['staging', 'production', 'Development', 'dev', '']) {
      const refused = () => loadConfig(env({ ENVIRONMENT }));
      expect(refused, ENVIRONMENT).toThrow(ConfigError);
      expect(refused, ENVIRONMENT).toThrow(/WORKER_HMAC_SECRET: must be set.*TOKEN_SIGNING_SECRET: must be set/s);
      expect(loadConfig(env({ ENVIRONMENT, ...real })), ENVIRONMENT).toMatchObject({ workerHmacSecret: real.WORKER_HMAC_SECRET });
    }
  });

  it('refuses a missing ENVIRONMENT rather than taking it for development', () => {
    const { ENVIRONMENT: _dropped, ...rest } = vars;
    expect(() => loadConfig({ ...rest } as unknown as EdgeBindings)).toThrow(/ENVIRONMENT/);
  });

  it('refuses staging with only one of the secrets, naming the missing one', () => {
    expect(() => loadConfig(env({ ENVIRONMENT: 'staging', WORKER_HMAC_SECRET: 'x'.repeat(32) }))).toThrow(/TOKEN_SIGNING_SECRET: must be set/);
    expect(() => loadConfig(env({ ENVIRONMENT: 'staging', TOKEN_SIGNING_SECRET: 'y'.repeat(32) }))).toThrow(/WORKER_HMAC_SECRET: must be set/);
  });

  it('splits and normalises several worker origins', () => {
    expect(loadConfig(env({ WORKER_ORIGINS: ' https://a.example/ , https://b.example:8443' })).workerOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  });
});

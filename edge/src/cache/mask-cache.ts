/**
 * The result cache: the GPU worker's probability map for one upload, in R2, keyed by content.
 *
 * Key: SHA-256 over the upload's SHA-256, the model name and version, the model input size and
 * the window option (everything that changes what the network sees or computes), under a
 * per-tenant prefix. A tenant can therefore only ever hit entries it wrote itself: the same
 * image sent by another tenant is a miss, and says nothing about anyone else's uploads.
 *
 * What is stored is the 8-bit probability map at model size plus the upload's size, never the
 * upload: masks, statistics and PNGs are derived again on a hit (a few ms), so every response
 * variant (mask or probability, JSON or PNG) shares one entry. Entries carry their expiry; an
 * expired one is deleted on read and counts as a miss, on top of the bucket's lifecycle rule.
 */
import { sha256Hex } from './sha256-hex.js';

export interface CacheKeyParts {
  tenant: string;
  /** Hex SHA-256 of the uploaded bytes. */
  uploadSha256: string;
  model: { name: string; version: string };
  inputSize: number;
  /** Canonical string of the window option (see imaging/window.ts). */
  window: string;
  /** The frame segmented, from 1 (multi-frame DICOM). */
  frame?: number;
}

export interface CachedInference {
  /** inputSize² bytes, 0..255 = p * 255. */
  probability: Uint8Array;
  originalWidth: number;
  originalHeight: number;
}

const KEY_VERSION = 'v1';

/** The R2 object key for one upload's inference under one tenant. */
export async function cacheObjectKey(p: CacheKeyParts): Promise<string> {
  // Frame 1 keeps the key it had before frames could be chosen, so those entries stay valid.
  const frame = p.frame !== undefined && p.frame > 1 ? [p.frame] : [];
  const digest = await sha256Hex(JSON.stringify([p.uploadSha256, p.model.name, p.model.version, p.inputSize, p.window, ...frame]));
  return `masks/${KEY_VERSION}/${p.tenant}/${digest}`;
}

export class MaskCache {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly ttlMs: number,
    private readonly inputSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached inference, or undefined on a miss (absent, expired or not the expected shape). */
  async get(key: string): Promise<CachedInference | undefined> {
    const object = await this.bucket.get(key);
    if (!object) return undefined;
    const meta = object.customMetadata ?? {};
    const expiresAt = Number(meta['expiresAt']);
    const originalWidth = Number(meta['originalWidth']);
    const originalHeight = Number(meta['originalHeight']);
    const probability = new Uint8Array(await object.arrayBuffer());
    if (!(expiresAt > this.now()) || probability.length !== this.inputSize * this.inputSize || !(originalWidth > 0 && originalHeight > 0)) {
      await this.bucket.delete(key);
      return undefined;
    }
    return { probability, originalWidth, originalHeight };
  }

  async put(key: string, value: CachedInference): Promise<void> {
    await this.bucket.put(key, value.probability, {
      httpMetadata: { contentType: 'application/octet-stream' },
      customMetadata: {
        expiresAt: String(this.now() + this.ttlMs),
        originalWidth: String(value.originalWidth),
        originalHeight: String(value.originalHeight),
      },
    });
  }
}

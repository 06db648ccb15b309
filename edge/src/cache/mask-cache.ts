/**
 * The result cache: the GPU worker's probability map for one upload, in R2, keyed by content.
 *
 * Key: SHA-256 over the upload's SHA-256, the model name and version, the model input size and
 * the window option (everything that changes what the network sees or computes), under a
 * per-tenant prefix. A tenant can therefore only ever hit entries it wrote itself: the same
 * image sent by another tenant is a miss, and says nothing about anyone else's uploads.
 *
 * What is stored is the 8-bit probability map at model size, the upload's size and its lung mask
 * (labels as a PNG after the map, what was found in the metadata: lung/stored-lung.ts), never the
 * upload: masks, statistics and PNGs are derived again on a hit (a few ms), so every response
 * variant (mask or probability, labels, JSON or PNG) shares one entry. Entries carry their expiry; an
 * expired one is deleted on read and counts as a miss, on top of the bucket's lifecycle rule.
 */
import { decodeStoredLung, encodeLungLabels, type StoredLung } from '../lung/stored-lung.js';
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
  /**
   * A frame's own Modality LUT, spacing and orientation when they overrode the file's top level
   * (other pixels or another lung mask, so another entry).
   */
  overrides?: { rescale?: { slope: number; intercept: number }; pixelSpacingMm?: readonly number[]; imageOrientationPatient?: readonly number[] };
}

export interface CachedInference {
  /** inputSize² bytes, 0..255 = p * 255. */
  probability: Uint8Array;
  originalWidth: number;
  originalHeight: number;
  /** The upload's lung mask, at the size it was decoded. */
  lung: StoredLung;
}

// v2: entries carry the lung mask; v1 entries (without one) are simply never read again.
const KEY_VERSION = 'v2';

/** The R2 object key for one upload's inference under one tenant. */
export async function cacheObjectKey(p: CacheKeyParts): Promise<string> {
  // Frame 1 keeps the key it had before frames could be chosen, so those entries stay valid.
  const frame = p.frame !== undefined && p.frame > 1 ? [p.frame] : [];
  const o = p.overrides;
  const overrides = o && (o.rescale || o.pixelSpacingMm || o.imageOrientationPatient) ? [[o.rescale?.slope, o.rescale?.intercept, o.pixelSpacingMm, o.imageOrientationPatient]] : [];
  const digest = await sha256Hex(JSON.stringify([p.uploadSha256, p.model.name, p.model.version, p.inputSize, p.window, ...frame, ...overrides]));
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
    const bytes = new Uint8Array(await object.arrayBuffer());
    const mapBytes = this.inputSize * this.inputSize;
    const lung = bytes.length > mapBytes ? decodeStoredLung(meta['lung'], bytes.subarray(mapBytes)) : undefined;
    if (!(expiresAt > this.now()) || !lung || !(originalWidth > 0 && originalHeight > 0)) {
      await this.bucket.delete(key);
      return undefined;
    }
    return { probability: bytes.subarray(0, mapBytes), originalWidth, originalHeight, lung };
  }

  async put(key: string, value: CachedInference): Promise<void> {
    const { labels: _, ...lungMeta } = value.lung;
    const labels = await encodeLungLabels(value.lung);
    const body = new Uint8Array(value.probability.length + labels.length);
    body.set(value.probability, 0);
    body.set(labels, value.probability.length);
    await this.bucket.put(key, body, {
      httpMetadata: { contentType: 'application/octet-stream' },
      customMetadata: {
        expiresAt: String(this.now() + this.ttlMs),
        originalWidth: String(value.originalWidth),
        originalHeight: String(value.originalHeight),
        lung: JSON.stringify(lungMeta),
      },
    });
  }
}

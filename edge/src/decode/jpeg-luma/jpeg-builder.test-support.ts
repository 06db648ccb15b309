/**
 * Test support: assembles JPEG files segment by segment (T.81 annex B), so the hostile-input
 * tests can state exactly which header lies or which table is missing.
 */

import { concatBytes } from '../../../../shared/concat-bytes.js';

export type Bytes = Uint8Array | readonly number[];

/** Concatenates byte runs into one file. */
export const concat = (...parts: Bytes[]): Uint8Array => concatBytes(parts);

export const SOI = [0xff, 0xd8] as const;
export const EOI = [0xff, 0xd9] as const;

/** A marker segment: FF marker, 2-byte length (counting itself), payload. */
export function segment(marker: number, payload: Bytes): Uint8Array {
  const len = payload.length + 2;
  return concat([0xff, marker, len >> 8, len & 255], payload);
}

/** DQT with one 8-bit table of a single value. */
export const dqt = (id: number, value = 1): Uint8Array => segment(0xdb, [id, ...Array<number>(64).fill(value)]);

/** DHT with one table: class 0 DC / 1 AC, code counts per length 1..16, symbols. */
export const dht = (tc: number, th: number, counts: number[], symbols: number[]): Uint8Array =>
  segment(0xc4, [(tc << 4) | th, ...Array.from({ length: 16 }, (_, i) => counts[i] ?? 0), ...symbols]);

/** SOFn with components as [id, h, v, quant table]. */
export const sof = (marker: number, width: number, height: number, components: [number, number, number, number][], precision = 8): Uint8Array =>
  segment(marker, [precision, height >> 8, height & 255, width >> 8, width & 255, components.length, ...components.flatMap(([id, h, v, tq]) => [id, (h << 4) | v, tq])]);

/** SOS with components as [id, dc table, ac table] and the spectral/approximation fields. */
export const sos = (components: [number, number, number][], ss = 0, se = 63, ah = 0, al = 0): Uint8Array =>
  segment(0xda, [components.length, ...components.flatMap(([id, td, ta]) => [id, (td << 4) | ta]), ss, se, (ah << 4) | al]);

/**
 * A valid 16x16 gray baseline JPEG whose every block is "DC difference 0, EOB" (one-bit codes),
 * so it decodes to flat 128: the smallest file each hostile test can break in one place.
 */
export function flatGray(parts: { frame?: Uint8Array; tables?: Bytes[]; scan?: Uint8Array; data?: Bytes } = {}): Uint8Array {
  return concat(
    SOI,
    ...(parts.tables ?? [dqt(0), dht(0, 0, [1], [0]), dht(1, 0, [1], [0])]),
    parts.frame ?? sof(0xc0, 16, 16, [[1, 1, 1, 0]]),
    parts.scan ?? sos([[1, 0, 0]]),
    parts.data ?? [0x00], // four blocks of '0' '0'
    EOI,
  );
}

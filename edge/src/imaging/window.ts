/**
 * Which VOI window maps real-world values (Hounsfield units) onto the 8-bit slice the model sees:
 * the option as a zod schema, its parser from an upload's query string (`window=lung|file`, or
 * `windowCenter=..&windowWidth=..`), a canonical string for cache keys, and the window an option
 * means for one file. The mapping itself is voi-lut.ts. Runtime-neutral (Web APIs only).
 */
import { z } from 'zod';

/** A VOI window in the image's real-world units (HU for CT). */
export interface VoiWindow {
  center: number;
  width: number;
}

/**
 * The standard lung window (level -600 HU, width 1500 HU: -1350..150 HU), the usual radiology
 * preset for lung parenchyma: aerated lung (about -850 HU) stays dark, ground-glass opacities
 * (about -700..-300 HU) land mid-scale and consolidation (about -100..50 HU) near the top, so both
 * lesion kinds keep contrast. The covid-semiseg training slices are lung-windowed JPEGs whose exact
 * window is not published, so this is the standard preset, not a measured match.
 */
export const DEFAULT_LUNG_WINDOW: Readonly<VoiWindow> = Object.freeze({ center: -600, width: 1500 });

/**
 * How to window a DICOM slice: `lung` (DEFAULT_LUNG_WINDOW), `file` (the file's own
 * WindowCenter/WindowWidth, lung when it has none), or `custom` (width >= 1, PS3.3 C.11.2.1.2).
 * Ignored for PNG/JPEG uploads, whose pixels are display values already.
 */
export const WindowOption = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lung') }).strict(),
  z.object({ kind: z.literal('file') }).strict(),
  z
    .object({
      kind: z.literal('custom'),
      // zod 4 numbers are finite already; NaN and Infinity fail here.
      center: z.number(),
      width: z.number().min(1),
    })
    .strict(),
]);
export type WindowOption = z.infer<typeof WindowOption>;

/** What an upload gets when it names no window. */
export const DEFAULT_WINDOW_OPTION: WindowOption = Object.freeze({ kind: 'lung' });

/**
 * A short canonical string for an option, equal for equal options (numbers printed by
 * `String`, so `-600.0` and `-600` agree): `lung`, `file`, `c-600w1500`.
 *
 * @example
 * windowKey({ kind: 'custom', center: -600, width: 1500 }); // 'c-600w1500'
 */
export function windowKey(option: WindowOption): string {
  switch (option.kind) {
    case 'lung':
    case 'file':
      return option.kind;
    case 'custom':
      // `+ 0` turns -0 into 0 so both print '0'.
      return `c${String(option.center + 0)}w${String(option.width)}`;
  }
}

/**
 * The window an option means for one image. A file window narrower than 1 (the decoder admits any
 * positive width; the standard requires >= 1) is widened to 1, a threshold at its centre, which is
 * the closest thing the linear function can do.
 *
 * @example
 * resolveWindow({ kind: 'file' }, image.fileWindow); // the file's window, or DEFAULT_LUNG_WINDOW
 */
export function resolveWindow(option: WindowOption, fileWindow?: VoiWindow): VoiWindow {
  switch (option.kind) {
    case 'lung':
      return { ...DEFAULT_LUNG_WINDOW };
    case 'file':
      return fileWindow ? { center: fileWindow.center, width: Math.max(1, fileWindow.width) } : { ...DEFAULT_LUNG_WINDOW };
    case 'custom':
      return { center: option.center, width: option.width };
  }
}

// ---- query parameters ------------------------------------------------------------------------

export type WindowParamField = 'window' | 'windowCenter' | 'windowWidth';

/** A query parameter that does not describe a window; `field` names it. */
export class WindowParamError extends Error {
  override name = 'WindowParamError';
  constructor(
    readonly field: WindowParamField,
    message: string,
  ) {
    super(message);
  }
}

/** `new URL(req.url).searchParams`, or a plain record such as Hono's `c.req.query()`. */
export type QueryParams = URLSearchParams | Readonly<Record<string, string | undefined>>;

const WINDOW_NAMES = ['lung', 'file', 'custom'] as const;

/** Plain decimal numbers only: no hex, no `Infinity`, no empty string (which Number() reads as 0). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Longer numbers add nothing a window needs and would only lengthen cache keys. */
const MAX_NUMBER_CHARS = 24;

function read(query: QueryParams, field: WindowParamField): string | undefined {
  if (query instanceof URLSearchParams) {
    const all = query.getAll(field);
    // Two values would make the choice depend on which one a proxy or framework keeps.
    if (all.length > 1) throw new WindowParamError(field, `${field} is given ${all.length} times; give it once`);
    return all[0];
  }
  return query[field];
}

function readNumber(value: string, field: WindowParamField): number {
  if (value.length > MAX_NUMBER_CHARS || !DECIMAL.test(value)) {
    throw new WindowParamError(field, `${field} must be a decimal number of at most ${MAX_NUMBER_CHARS} characters, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  const n = Number(value);
  if (!Number.isFinite(n)) throw new WindowParamError(field, `${field} must be finite, got ${value}`);
  return n;
}

/**
 * The WindowOption a query string asks for; DEFAULT_WINDOW_OPTION (lung) when it names none.
 * Throws WindowParamError for unknown names, bad numbers, width < 1, half a custom window, or a
 * named window mixed with custom numbers.
 *
 * @example
 * parseWindowParams(new URLSearchParams('windowCenter=-600&windowWidth=1500'));
 * // { kind: 'custom', center: -600, width: 1500 }
 */
export function parseWindowParams(query: QueryParams): WindowOption {
  const name = read(query, 'window');
  const centerText = read(query, 'windowCenter');
  const widthText = read(query, 'windowWidth');

  if (name !== undefined && !(WINDOW_NAMES as readonly string[]).includes(name)) {
    throw new WindowParamError('window', `window must be one of ${WINDOW_NAMES.join(', ')}, got ${JSON.stringify(name.slice(0, 40))}`);
  }
  const custom = centerText !== undefined || widthText !== undefined;
  if (!custom) {
    if (name === 'custom') throw new WindowParamError('windowCenter', 'window=custom needs windowCenter and windowWidth');
    return name === undefined ? { ...DEFAULT_WINDOW_OPTION } : { kind: name as 'lung' | 'file' };
  }
  if (name !== undefined && name !== 'custom') {
    throw new WindowParamError('window', `window=${name} cannot be combined with windowCenter/windowWidth; drop one of them`);
  }
  if (centerText === undefined) throw new WindowParamError('windowCenter', 'windowWidth is given without windowCenter; give both');
  if (widthText === undefined) throw new WindowParamError('windowWidth', 'windowCenter is given without windowWidth; give both');
  const center = readNumber(centerText, 'windowCenter');
  const width = readNumber(widthText, 'windowWidth');
  // PS3.3 C.11.2.1.2: the linear function is defined for widths of 1 and more.
  if (width < 1) throw new WindowParamError('windowWidth', `windowWidth must be at least 1, got ${widthText}`);
  return WindowOption.parse({ kind: 'custom', center, width });
}

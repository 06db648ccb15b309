/**
 * Which VOI window maps real-world values (Hounsfield units) onto the 8-bit slice the model sees:
 * the option as a zod schema, the query parameters that choose it (`window=lung|file|custom`,
 * `windowCenter=..&windowWidth=..`) and the rules between them, a canonical string for cache
 * keys, and the window an option means for one file. The mapping itself is voi-lut.ts. Runtime-neutral (Web APIs only).
 */
import { z } from 'zod';

/** A VOI window in the image's real-world units (HU for CT). */
export interface VoiWindow {
  center: number;
  width: number;
}

/**
 * The lung window the model sees by default (`window=lung`): the window the covid-semiseg training
 * slices look made with (level -405 HU, width 1375 HU: -1093..282 HU), measured from their own
 * tissue peaks (models/evaluate/robustness/dataset_window.py): aerated lung (-850 HU) at gray 45,
 * soft tissue (+40 HU) at gray 210. Stored CT has nothing below -1024 HU, gray 13 here, so little
 * of the training slices' look is lost to the air floor. The standard radiology preset
 * (STANDARD_LUNG_WINDOW) makes the same CT darker than the training slices (aerated lung at gray
 * 85): -.022 mean Dice on validation (models/README.md, Robustness).
 */
export const DEFAULT_LUNG_WINDOW: Readonly<VoiWindow> = Object.freeze({ center: -405, width: 1375 });

/** The usual radiology lung preset (level -600 HU, width 1500 HU); `window=custom` asks for it. */
export const STANDARD_LUNG_WINDOW: Readonly<VoiWindow> = Object.freeze({ center: -600, width: 1500 });

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
 * `String`, so `-600.0` and `-600` agree): `lung-405w1375`, `file`, `c-600w1500`. The lung
 * preset's key carries its values, so a change of the preset never reuses results cached under the
 * old one.
 *
 * @example
 * windowKey({ kind: 'custom', center: -600, width: 1500 }); // 'c-600w1500'
 */
export function windowKey(option: WindowOption): string {
  switch (option.kind) {
    case 'lung':
      return `lung${String(DEFAULT_LUNG_WINDOW.center)}w${String(DEFAULT_LUNG_WINDOW.width)}`;
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

/** The query parameters that choose a window. */
export type WindowParamField = 'window' | 'windowCenter' | 'windowWidth';

export const WINDOW_NAMES = ['lung', 'file', 'custom'] as const;

/** Plain decimal numbers only: no hex, no `Infinity`, no empty string (which Number() reads as 0). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Longer numbers add nothing a window needs and would only lengthen cache keys. */
const MAX_NUMBER_CHARS = 24;

const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 40));

function decimalParam(field: WindowParamField, description: string) {
  const mustBe = `${field} must be a decimal number of at most ${MAX_NUMBER_CHARS} characters`;
  return z
    .string()
    .max(MAX_NUMBER_CHARS, { error: (iss) => `${mustBe}, got ${quoted(iss.input)}` })
    .regex(DECIMAL, { error: (iss) => `${mustBe}, got ${quoted(iss.input)}` })
    .transform((text, ctx) => {
      const n = Number(text);
      if (!Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: `${field} must be finite, got ${text}` });
      return n;
    })
    .optional()
    .meta({ description });
}

/**
 * The window's query parameters, each checked on its own; {@link windowOptionFromQuery} applies
 * the rules between them. The segment query schema spreads these into its object, so the one
 * parser of `POST /v1/segment`'s query and its OpenAPI description come from the same schemas.
 */
export const WINDOW_QUERY_FIELDS = {
  window: z
    .enum(WINDOW_NAMES, { error: (iss) => `window must be one of ${WINDOW_NAMES.join(', ')}, got ${quoted(iss.input)}` })
    .optional()
    .meta({
      description:
        `DICOM only: \`lung\` (default, center ${DEFAULT_LUNG_WINDOW.center} HU, width ${DEFAULT_LUNG_WINDOW.width} HU: the look of the model’s training slices), \`file\` (the file’s own WindowCenter/WindowWidth), or \`custom\` (with windowCenter and windowWidth, which may also be given alone; the standard radiology lung preset is -600/1500).`,
    }),
  windowCenter: decimalParam('windowCenter', 'DICOM only: custom window center in HU (with windowWidth).'),
  windowWidth: decimalParam('windowWidth', 'DICOM only: custom window width in HU, ≥ 1 (with windowCenter).'),
};

export interface WindowQuery {
  window?: (typeof WINDOW_NAMES)[number] | undefined;
  windowCenter?: number | undefined;
  windowWidth?: number | undefined;
}

/** Where a rule between the window parameters was broken (zod's refinement context fits). */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; path: WindowParamField[]; message: string }): void;
}

/**
 * The WindowOption the (individually valid) parameters ask for; DEFAULT_WINDOW_OPTION (lung) when
 * they name none. Reports to `issues` half a custom window, a named window mixed with custom
 * numbers, and width < 1, naming the parameter; returns the default then.
 *
 * @example
 * windowOptionFromQuery({ windowCenter: -600, windowWidth: 1500 }, ctx); // { kind: 'custom', center: -600, width: 1500 }
 */
export function windowOptionFromQuery(q: WindowQuery, issues: IssueSink): WindowOption {
  const fail = (field: WindowParamField, message: string): WindowOption => {
    issues.addIssue({ code: 'custom', path: [field], message });
    return { ...DEFAULT_WINDOW_OPTION };
  };
  const { window: name, windowCenter: center, windowWidth: width } = q;
  if (center === undefined && width === undefined) {
    if (name === 'custom') return fail('windowCenter', 'window=custom needs windowCenter and windowWidth');
    return name === undefined ? { ...DEFAULT_WINDOW_OPTION } : { kind: name };
  }
  if (name !== undefined && name !== 'custom') {
    return fail('window', `window=${name} cannot be combined with windowCenter/windowWidth; drop one of them`);
  }
  if (center === undefined) return fail('windowCenter', 'windowWidth is given without windowCenter; give both');
  if (width === undefined) return fail('windowWidth', 'windowCenter is given without windowWidth; give both');
  // PS3.3 C.11.2.1.2: the linear function is defined for widths of 1 and more.
  if (width < 1) return fail('windowWidth', `windowWidth must be at least 1, got ${width}`);
  return { kind: 'custom', center, width };
}

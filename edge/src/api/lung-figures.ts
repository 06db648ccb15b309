/**
 * The lung figures of one slice as the API answers them (segment results and study slices): one
 * zod schema, from which /openapi.json documents every number. The share of lung infected is a
 * measurement on an image, not a diagnosis.
 */
import { z } from 'zod';
import type { SliceInvolvement } from '../lung/lung-involvement.js';

const share = z.number().min(0).max(1).nullable();

export const LungPartFigures = z
  .object({
    pixels: z.number().int().nonnegative().meta({ description: 'Pixels of the lung mask (this lung, or both).' }),
    infectedPixels: z.number().int().nonnegative().meta({ description: 'Infected pixels inside the lung mask.' }),
    infectedShare: share.meta({
      description: 'infectedPixels / pixels, 0..1: the share of the lung that is infected in this slice. null when the lungs were not found (or this part is empty).',
    }),
    areaMm2: z.number().nonnegative().optional().meta({ description: 'Lung area in mm² (pixels x Pixel Spacing); only for DICOM with Pixel Spacing.' }),
    infectedAreaMm2: z.number().nonnegative().optional().meta({ description: 'Infected area inside the lung in mm²; only with Pixel Spacing.' }),
  })
  .meta({ id: 'LungPartFigures' });

export const LungFigures = LungPartFigures.extend({
  found: z.boolean().meta({ description: 'Whether two lungs were found. When false, the figures are not a share of the lungs and infection is not cut to them.' }),
  failure: z.string().optional().meta({ description: 'Why two lungs were not found (e.g. `one_lung`, `no_lung`), when `found` is false.' }),
  method: z.enum(['hounsfield', 'intensity']).meta({
    description:
      '`hounsfield`: CT DICOM, by density (below about −500 HU inside the body, outside air removed, holes and edge lesions filled back in). `intensity`: 8-bit images (JPEG, PNG, photos, non-CT DICOM), the same steps on the windowed gray levels.',
  }),
  sides: z.enum(['image_orientation', 'unknown']).meta({
    description: '`image_orientation`: `left` and `right` are the patient’s, from Image Orientation Patient. `unknown`: no orientation (not DICOM), so no sides are given.',
  }),
  left: LungPartFigures.optional().meta({ description: 'The patient’s left lung; only when `sides` is `image_orientation`.' }),
  right: LungPartFigures.optional().meta({ description: 'The patient’s right lung; only when `sides` is `image_orientation`.' }),
}).meta({ id: 'LungFigures', description: 'The lung mask of the slice and how much of it is infected. Lobes are not segmented. A measurement, not a diagnosis.' });
export type LungFigures = z.infer<typeof LungFigures>;

/** Rounds areas to 0.01 mm² so answers do not carry float noise. */
export function lungFigures(i: SliceInvolvement): LungFigures {
  const part = <T extends { areaMm2?: number; infectedAreaMm2?: number }>(p: T): T => ({
    ...p,
    ...(p.areaMm2 !== undefined ? { areaMm2: round2(p.areaMm2) } : {}),
    ...(p.infectedAreaMm2 !== undefined ? { infectedAreaMm2: round2(p.infectedAreaMm2) } : {}),
  });
  return part({
    ...i,
    ...(i.left ? { left: part(i.left) } : {}),
    ...(i.right ? { right: part(i.right) } : {}),
  });
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * The public answers of `POST /v1/segment`, as zod schemas: the handler builds its answers from
 * these types and /openapi.json is generated from them, so the docs cannot drift from the code.
 */
import { z } from 'zod';
import { ModelId } from '../../../shared/model-id.js';
import { LungFigures } from './lung-figures.js';

export const MaskImage = z
  .object({
    kind: z.enum(['binary', 'probability', 'labels']).meta({
      description: '`binary`: 0/255 infection mask; `probability`: 0..255 = p * 255; `labels`: a label map (`?labels=lung,infection`), values in `legend`.',
    }),
    legend: z
      .record(z.string(), z.enum(['background', 'lung', 'infection']))
      .optional()
      .meta({ description: 'For `labels`: what each pixel value means, e.g. {"0":"background","1":"lung","2":"infection"}.' }),
    contentType: z.literal('image/png'),
    encoding: z.literal('base64'),
    data: z.string().meta({ description: 'One-channel 8-bit PNG at the upload’s size (after EXIF orientation).' }),
  })
  .meta({ id: 'MaskImage' });

export const SliceResult = z
  .object({
    index: z.number().int().nonnegative().meta({ description: 'Position of the slice in the upload (0 for a raw body).' }),
    frame: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'The frame of the upload this result is for, from 1; present when the request named a frame (`?frame=`).' }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: 'SHA-256 of the uploaded bytes.' }),
    cached: z.boolean().meta({ description: 'True when the result came from this tenant’s cache without running the model.' }),
    model: ModelId,
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    infectedPixels: z.number().int().nonnegative(),
    infectedFraction: z.number().min(0).max(1).meta({
      description: 'infectedPixels / (width x height): a share of the image, which depends on how it was cropped. For the share of the lungs use `lung.infectedShare`.',
    }),
    pixelSpacingMm: z.tuple([z.number().positive(), z.number().positive()]).optional().meta({ description: 'DICOM Pixel Spacing, [row, column] in mm, when the upload has it.' }),
    infectedAreaMm2: z.number().nonnegative().optional().meta({ description: 'infectedPixels in mm², when Pixel Spacing is known.' }),
    lung: LungFigures,
    lesionCount: z.number().int().nonnegative().meta({ description: 'Connected regions of the mask (8-connectivity).' }),
    mask: MaskImage,
  })
  .meta({ id: 'SliceResult' });
export type SliceResult = z.infer<typeof SliceResult>;

export const SeriesResult = z
  .object({ slices: z.array(SliceResult).meta({ description: 'One entry per `file` part (per frame with `?frame=all`), in upload order.' }) })
  .meta({ id: 'SeriesResult' });
export type SeriesResult = z.infer<typeof SeriesResult>;

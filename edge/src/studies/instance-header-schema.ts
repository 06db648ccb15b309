/**
 * What a study keeps of each uploaded DICOM instance, as a zod schema: the identifiers that group
 * it into a series and the geometry that orders the series in space (PS3.3 C.7.6.2 Image Plane,
 * C.7.6.1 General Image, C.7.3.1 General Series). The reader (instance-header.ts) builds it from
 * the file; the study's storage and series-geometry.ts take it as this type.
 */
import { z } from 'zod';
import { PatientStudy } from './patient-study.js';

// zod 4's z.number() refuses NaN and the infinities, so these are finite numbers.
const finite = z.number();
/** A point or direction in the patient coordinate system (LPS, mm). */
export const Vec3 = z.tuple([finite, finite, finite]);
export type Vec3 = z.infer<typeof Vec3>;
/** ImageOrientationPatient: the row direction cosines, then the column direction cosines. */
export const Orientation = z.tuple([finite, finite, finite, finite, finite, finite]);
export type Orientation = z.infer<typeof Orientation>;
/** PixelSpacing: [between rows (vertical), between columns (horizontal)] in mm, PS3.3 10.7.1.3. */
export const PixelSpacing = z.tuple([z.number().positive(), z.number().positive()]);
export type PixelSpacing = z.infer<typeof PixelSpacing>;

const uid = z.string().min(1).max(64);

/**
 * One functional group's geometry and Modality LUT (PS3.3 C.7.6.16.2: Plane Position, Plane
 * Orientation, Pixel Measures, Pixel Value Transformation): what the shared group says of every
 * frame, or what a per-frame item says of its frame (a per-frame value overrides the shared one).
 */
export const FrameGeometry = z.object({
  imagePositionPatient: Vec3.optional(),
  imageOrientationPatient: Orientation.optional(),
  pixelSpacing: PixelSpacing.optional(),
  sliceThickness: z.number().positive().optional(),
  rescaleIntercept: finite.optional(),
  rescaleSlope: finite.optional(),
});
export type FrameGeometry = z.infer<typeof FrameGeometry>;

/** A multi-frame (enhanced) instance's functional groups, PS3.3 C.7.6.16. */
export const FunctionalGroups = z.object({
  /** Shared Functional Groups Sequence (5200,9229); {} when absent. */
  shared: FrameGeometry,
  /** Per-frame Functional Groups Sequence (5200,9230), one item per frame in file order; [] when absent. */
  perFrame: z.array(FrameGeometry),
  /** The top-level Modality LUT (1 and 0 when absent): what the decoder applies to every frame. */
  topLevelRescale: z.object({ intercept: finite, slope: finite }),
});
export type FunctionalGroups = z.infer<typeof FunctionalGroups>;

export const InstanceHeader = z.object({
  studyInstanceUID: uid.optional(),
  seriesInstanceUID: uid.optional(),
  sopInstanceUID: uid.optional(),
  sopClassUID: uid.optional(),
  modality: z.string().optional(),
  /** Every value of ImageType, '' where one is empty; [] when the attribute is absent or malformed. */
  imageType: z.array(z.string()),
  instanceNumber: z.number().int().optional(),
  seriesNumber: z.number().int().optional(),
  seriesDescription: z.string().optional(),
  frameOfReferenceUID: uid.optional(),
  imagePositionPatient: Vec3.optional(),
  imageOrientationPatient: Orientation.optional(),
  pixelSpacing: PixelSpacing.optional(),
  sliceThickness: z.number().positive().optional(),
  rows: z.number().int().positive(),
  columns: z.number().int().positive(),
  frames: z.number().int().positive(),
  /** Multi-frame instances only (NumberOfFrames > 1): their per-frame geometry. The fields above are the top level's. */
  functionalGroups: FunctionalGroups.optional(),
  /** Patient and study attributes for the DICOM objects a study returns (PHI: never in an answer or a log). */
  patientStudy: PatientStudy.optional(),
  /** Absent for files without a file meta group naming one (their encoding was sniffed). */
  transferSyntaxUID: uid.optional(),
  /**
   * Why an attribute that was present is absent here: the decoder's message naming it
   * ("ImagePositionPatient (0020,0032) has 2 value(s), must have 3"). Absent when none was.
   */
  malformed: z.array(z.string()).optional(),
});
export type InstanceHeader = z.infer<typeof InstanceHeader>;

/**
 * A DICOM Segmentation (PS3.3 A.51, BINARY) of one CT series from the study's masks: two
 * segments, the infection the model found and the lung mask, each frame referencing its source
 * slice (instance, and frame of a multi-frame one), in the source's Frame of Reference, with the
 * algorithm that made it. Frames where a segment is empty are left out. The dataset is composed
 * here from what the study kept of each instance; dcmjs writes it (part10.ts).
 *
 * Why not dcmjs's own Segmentation derivation: it builds its referenced multi-frame from the
 * source instances' pixel data (a 16-bit copy of every slice, which the study no longer holds:
 * uploads are deleted once processed) and fills an unpacked byte per pixel per frame before
 * packing (a 120-slice series would need ~60 MB of the Worker's 128 MB); its UIDs and dates are
 * random and "now", where ours must be the same on every request.
 */
import type { NaturalDataset } from 'dcmjs';
import type { PatientStudy } from '../studies/patient-study.js';
import type { Orientation, PixelSpacing, Vec3 } from '../studies/instance-header-schema.js';
import { CODES, type Code } from './concept-codes.js';
import { dicomDateTime } from './dicom-datetime.js';
import { writePart10 } from './part10.js';
import { sourceStudyAttributes } from './source-study-attributes.js';

export const SEGMENTATION_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
/** The attributes the dimension index points at, as AT values (group << 16 | element). */
const TAG = {
  ReferencedSegmentNumber: 0x0062000b,
  SegmentIdentificationSequence: 0x0062000a,
  ImagePositionPatient: 0x00200032,
  PlanePositionSequence: 0x00209113,
} as const;

export interface SegSourceSlice {
  sopClassUID: string;
  sopInstanceUID: string;
  /** The frame of a multi-frame source instance, from 1. */
  frame?: number;
  imagePositionPatient: Vec3;
  /** rows x columns, row by row, packed by packMask (a 512x512 slice is 32 KB, not 256). */
  infection: Uint8Array;
  lung: Uint8Array;
}

export interface SegInput {
  studyInstanceUID: string;
  patientStudy: PatientStudy | undefined;
  source: {
    seriesInstanceUID: string;
    seriesNumber?: number;
    frameOfReferenceUID: string;
    rows: number;
    columns: number;
    imageOrientationPatient: Orientation;
    pixelSpacing: PixelSpacing;
    sliceThickness?: number;
    /** In patient order. */
    slices: SegSourceSlice[];
  };
  uids: { seriesInstanceUID: string; sopInstanceUID: string; dimensionOrganizationUID: string };
  /** When the study finished: the object's content and series date and time. */
  createdAt: number;
  model: { name: string; version: string };
  /** The product's version (Software Versions). */
  softwareVersion: string;
}

interface Segment {
  label: string;
  description: string;
  category: Code;
  type: Code;
  algorithm: { name: string; version: string; family: Code };
  /** CIELab, scaled to 0-65535 (PS3.3 C.10.7.1.1). */
  color: [number, number, number];
  of(slice: SegSourceSlice): Uint8Array;
}

/**
 * The SEG file. Throws RangeError when a mask is not rows x columns, and when no source slice is
 * given (there is nothing a SEG could reference).
 */
export function buildSegmentation(input: SegInput): Uint8Array {
  const { source } = input;
  const pixels = source.rows * source.columns;
  if (source.slices.length === 0) throw new RangeError('a segmentation needs at least one source slice');
  for (const s of source.slices) {
    const bytes = Math.ceil(pixels / 8);
    if (s.infection.length !== bytes || s.lung.length !== bytes) throw new RangeError(`packed masks of ${source.rows}x${source.columns} pixels are ${bytes} bytes: slice ${s.sopInstanceUID} has ${s.infection.length} and ${s.lung.length}`);
  }
  const segments: Segment[] = [
    {
      label: 'Lung infection',
      description: 'COVID-19 infection: ground-glass opacity and consolidation',
      category: CODES.morphologicallyAbnormalStructure,
      type: CODES.opacity,
      algorithm: { ...input.model, family: CODES.artificialIntelligence },
      color: [41_604, 54_020, 43_693], // reddish, in CIELab
      of: (s) => s.infection,
    },
    {
      label: 'Lung',
      description: 'Both lungs, from density thresholds and morphology',
      category: CODES.anatomicalStructure,
      type: CODES.lung,
      algorithm: { name: 'BSNet API lung mask', version: input.softwareVersion, family: CODES.morphologicalOperations },
      color: [49_151, 33_000, 31_000], // light blue-grey
      of: (s) => s.lung,
    },
  ];

  // Frames: segment by segment, slices in patient order, empty ones left out.
  const frames: { segment: number; sliceIndex: number; mask: Uint8Array }[] = [];
  segments.forEach((segment, i) => {
    source.slices.forEach((slice, sliceIndex) => {
      const mask = segment.of(slice);
      if (mask.some((v) => v !== 0)) frames.push({ segment: i + 1, sliceIndex, mask });
    });
  });
  // Nothing found anywhere still makes a valid object: one empty frame of the first slice.
  if (frames.length === 0) frames.push({ segment: 1, sliceIndex: 0, mask: new Uint8Array(Math.ceil(pixels / 8)) });

  const created = dicomDateTime(input.createdAt);
  const referencedInstances = new Map<string, string>();
  for (const s of source.slices) referencedInstances.set(s.sopInstanceUID, s.sopClassUID);

  const dataset: NaturalDataset & { SOPClassUID: string; SOPInstanceUID: string } = {
    // SOP Common
    SOPClassUID: SEGMENTATION_SOP_CLASS_UID,
    SOPInstanceUID: input.uids.sopInstanceUID,
    InstanceCreationDate: created.date,
    InstanceCreationTime: created.time,
    TimezoneOffsetFromUTC: '+0000',
    // Patient, General Study
    ...sourceStudyAttributes(input.studyInstanceUID, input.patientStudy),
    // General Series, Segmentation Series
    Modality: 'SEG',
    SeriesInstanceUID: input.uids.seriesInstanceUID,
    SeriesNumber: segSeriesNumber(source.seriesNumber),
    SeriesDescription: `BSNet ${input.model.version.slice(0, 16)} lung infection and lung (derived, research)`,
    SeriesDate: created.date,
    SeriesTime: created.time,
    // Frame of Reference
    FrameOfReferenceUID: source.frameOfReferenceUID,
    PositionReferenceIndicator: '',
    // General Equipment, Enhanced General Equipment
    Manufacturer: 'BSNet API',
    ManufacturerModelName: 'BSNet lung infection segmentation',
    DeviceSerialNumber: 'bsnet-api',
    SoftwareVersions: input.softwareVersion,
    // General Image, Segmentation Image
    InstanceNumber: 1,
    ContentDate: created.date,
    ContentTime: created.time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: 'LUNG_INFECTION',
    ContentDescription: 'BSNet masks: a research model, not for diagnosis',
    ContentCreatorName: '',
    SegmentationType: 'BINARY',
    SegmentsOverlap: 'YES',
    LossyImageCompression: '00',
    ImageComments: 'NOT FOR CLINICAL USE',
    SegmentSequence: segments.map((s, i) => ({
      SegmentNumber: i + 1,
      SegmentLabel: s.label,
      SegmentDescription: s.description,
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: s.algorithm.name,
      SegmentationAlgorithmIdentificationSequence: [
        { AlgorithmFamilyCodeSequence: [s.algorithm.family], AlgorithmName: s.algorithm.name, AlgorithmVersion: s.algorithm.version },
      ],
      SegmentedPropertyCategoryCodeSequence: [s.category],
      SegmentedPropertyTypeCodeSequence: [s.type],
      AnatomicRegionSequence: [CODES.lung],
      RecommendedDisplayCIELabValue: s.color,
    })),
    // Image Pixel
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: source.rows,
    Columns: source.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    // Multi-frame Functional Groups, Multi-frame Dimension
    NumberOfFrames: frames.length,
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: input.uids.dimensionOrganizationUID }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: input.uids.dimensionOrganizationUID, DimensionIndexPointer: TAG.ReferencedSegmentNumber, FunctionalGroupPointer: TAG.SegmentIdentificationSequence, DimensionDescriptionLabel: 'Segment Number' },
      { DimensionOrganizationUID: input.uids.dimensionOrganizationUID, DimensionIndexPointer: TAG.ImagePositionPatient, FunctionalGroupPointer: TAG.PlanePositionSequence, DimensionDescriptionLabel: 'Image Position Patient' },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: source.imageOrientationPatient }],
        PixelMeasuresSequence: [{ PixelSpacing: source.pixelSpacing, SliceThickness: source.sliceThickness ?? '' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => {
      const slice = source.slices[f.sliceIndex]!;
      return {
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: slice.sopClassUID,
                ReferencedSOPInstanceUID: slice.sopInstanceUID,
                ...(slice.frame !== undefined ? { ReferencedFrameNumber: slice.frame } : {}),
                PurposeOfReferenceCodeSequence: [CODES.sourceImageForProcessing],
              },
            ],
            DerivationCodeSequence: [CODES.segmentation],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [f.segment, f.sliceIndex + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: slice.imagePositionPatient }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segment }],
      };
    }),
    // Common Instance Reference
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUID,
        ReferencedInstanceSequence: [...referencedInstances].map(([sop, cls]) => ({ ReferencedSOPClassUID: cls, ReferencedSOPInstanceUID: sop })),
      },
    ],
    PixelData: packFrames(frames.map((f) => f.mask), pixels).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return writePart10(dataset);
}

/** A mask (non-zero is inside) as 1-bit pixels, the first pixel in the lowest bit of the first byte (PS3.5 8.1.1). */
export function packMask(mask: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out[i >>> 3]! |= 1 << (i & 7);
  return out;
}

/**
 * Packed frames one after another with no padding between them (PS3.5 8.2: a frame need not
 * start on a byte when rows x columns is not a multiple of 8), padded to an even length.
 */
export function packFrames(frames: Uint8Array[], pixels: number): Uint8Array {
  const bytes = Math.ceil((frames.length * pixels) / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  if (pixels % 8 === 0) {
    frames.forEach((f, i) => out.set(f.subarray(0, pixels / 8), (i * pixels) / 8));
    return out;
  }
  let bit = 0;
  for (const f of frames) {
    for (let i = 0; i < pixels; i++, bit++) if ((f[i >>> 3]! >>> (i & 7)) & 1) out[bit >>> 3]! |= 1 << (bit & 7);
  }
  return out;
}

/** The SEG's series number: the source's plus 1000 (how viewers group derived series near their source), within IS range. */
function segSeriesNumber(source: number | undefined): number {
  return source !== undefined && source >= 0 && source < 1_000_000 ? source + 1000 : 1000;
}

/**
 * A DICOM Structured Report with a series' lung measurements (Comprehensive SR, TID 1500 Measurement
 * Report): for the infection and the lung, both lungs and each lung where sides are known, a
 * TID 1411 volumetric measurement group that references its segment of the SEG (seg-build.ts)
 * and holds the volume, and for the infection the share of the lung involved and its band.
 *
 * The content tree is composed here and written by dcmjs (part10.ts). dcmjs's SR templates were
 * tried first and do not do this job: its ReferencedSegmentation content item passes its UIDs
 * under misspelt option names, so it always throws, and never sets the segment number; its
 * measurement groups console.log every measurement; its device observer template codes the
 * manufacturer as 121013 (Device Observer Name).
 */
import type { NaturalDataset } from 'dcmjs';
import type { PatientStudy } from '../studies/patient-study.js';
import { CODES, PRIVATE_SCHEME, type Code } from './concept-codes.js';
import { dicomDateTime } from './dicom-datetime.js';
import { writePart10 } from './part10.js';
import { SEGMENTATION_SOP_CLASS_UID } from './seg-build.js';
import { sourceStudyAttributes } from './source-study-attributes.js';

export const COMPREHENSIVE_SR_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.88.33';

/** A lung volume's figures as the study reports them (study-schemas.ts LungVolume). */
export interface SrLungVolume {
  lungVolumeMl: number;
  infectedVolumeMl: number;
  involvementPercent: number | null;
  band: number | null;
}

export interface SrInput {
  studyInstanceUID: string;
  patientStudy: PatientStudy | undefined;
  source: { seriesInstanceUID: string; seriesNumber?: number; instances: { sopClassUID: string; sopInstanceUID: string }[] };
  seg: { seriesInstanceUID: string; sopInstanceUID: string; infectionSegment: number; lungSegment: number };
  measurements: SrLungVolume & { left: SrLungVolume | null; right: SrLungVolume | null };
  uids: { seriesInstanceUID: string; sopInstanceUID: string; deviceObserverUID: string; trackingUID: (name: string) => Promise<string> };
  createdAt: number;
  model: { name: string; version: string };
  softwareVersion: string;
}

type Item = NaturalDataset;
const concept = (c: Code): Code[] => [c];
const dcm = (CodeValue: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator: 'DCM', CodeMeaning });

const container = (relationship: string | undefined, name: Code, children: Item[], template?: string): Item => ({
  ...(relationship ? { RelationshipType: relationship } : {}),
  ValueType: 'CONTAINER',
  ConceptNameCodeSequence: concept(name),
  ContinuityOfContent: 'SEPARATE',
  ...(template ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] } : {}),
  // An empty Content Sequence is not allowed (PS3.3 C.17.3.2.4, type 1C): a container without children has none.
  ...(children.length > 0 ? { ContentSequence: children } : {}),
});
const codeItem = (relationship: string, name: Code, value: Code, children?: Item[]): Item => ({
  RelationshipType: relationship,
  ValueType: 'CODE',
  ConceptNameCodeSequence: concept(name),
  ConceptCodeSequence: concept(value),
  ...(children ? { ContentSequence: children } : {}),
});
const textItem = (relationship: string, name: Code, value: string): Item => ({ RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: concept(name), TextValue: value });
const uidItem = (relationship: string, name: Code, value: string): Item => ({ RelationshipType: relationship, ValueType: 'UIDREF', ConceptNameCodeSequence: concept(name), UID: value });
const numItem = (name: Code, value: number, unit: Code): Item => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'NUM',
  ConceptNameCodeSequence: concept(name),
  MeasuredValueSequence: [{ NumericValue: decimalString(value), FloatingPointValue: value, MeasurementUnitsCodeSequence: concept(unit) }],
});

/** The SR file. */
export async function buildStructuredReport(input: SrInput): Promise<Uint8Array> {
  const created = dicomDateTime(input.createdAt);
  const m = input.measurements;
  const groups: Item[] = [];
  const sides: [string, SrLungVolume, Code | undefined][] = [['', m, undefined]];
  if (m.left) sides.push(['Left ', m.left, CODES.left]);
  if (m.right) sides.push(['Right ', m.right, CODES.right]);
  for (const [prefix, v, laterality] of sides) {
    const site = codeItem('HAS CONCEPT MOD', CODES.findingSite, CODES.lung, laterality ? [codeItem('HAS CONCEPT MOD', CODES.laterality, laterality)] : undefined);
    groups.push(
      await group(input, capitalised(`${prefix}lung infection`), input.seg.infectionSegment, CODES.opacity, site, [
        numItem(CODES.volume, round(v.infectedVolumeMl, 3), CODES.milliliter),
        ...(v.involvementPercent !== null ? [numItem(CODES.involvementPercent, round(v.involvementPercent, 2), CODES.percent)] : []),
        ...(v.band !== null ? [numItem(CODES.involvementBand, v.band, CODES.noUnits)] : []),
      ]),
      await group(input, capitalised(`${prefix}lung`), input.seg.lungSegment, CODES.lung, site, [numItem(CODES.volume, round(v.lungVolumeMl, 3), CODES.milliliter)]),
    );
  }

  const root = container(undefined, dcm('126000', 'Imaging Measurement Report'), [
    codeItem('HAS CONCEPT MOD', dcm('121049', 'Language of Content Item and Descendants'), { CodeValue: 'en-US', CodingSchemeDesignator: 'RFC5646', CodeMeaning: 'English (United States)' }),
    codeItem('HAS OBS CONTEXT', dcm('121005', 'Observer Type'), dcm('121007', 'Device')),
    uidItem('HAS OBS CONTEXT', dcm('121012', 'Device Observer UID'), input.uids.deviceObserverUID),
    textItem('HAS OBS CONTEXT', dcm('121013', 'Device Observer Name'), `${input.model.name} ${input.model.version}`),
    textItem('HAS OBS CONTEXT', dcm('121014', 'Device Observer Manufacturer'), 'BSNet API'),
    textItem('HAS OBS CONTEXT', dcm('121015', 'Device Observer Model Name'), 'BSNet lung infection segmentation'),
    codeItem('HAS CONCEPT MOD', dcm('121058', 'Procedure reported'), CODES.ctChest),
    container('CONTAINS', dcm('111028', 'Image Library'), []),
    container('CONTAINS', dcm('126010', 'Imaging Measurements'), groups),
  ], '1500');

  const dataset: NaturalDataset & { SOPClassUID: string; SOPInstanceUID: string } = {
    SOPClassUID: COMPREHENSIVE_SR_SOP_CLASS_UID,
    SOPInstanceUID: input.uids.sopInstanceUID,
    InstanceCreationDate: created.date,
    InstanceCreationTime: created.time,
    TimezoneOffsetFromUTC: '+0000',
    CodingSchemeIdentificationSequence: [PRIVATE_SCHEME],
    ...sourceStudyAttributes(input.studyInstanceUID, input.patientStudy),
    // SR Document Series
    Modality: 'SR',
    SeriesInstanceUID: input.uids.seriesInstanceUID,
    SeriesNumber: srSeriesNumber(input.source.seriesNumber),
    SeriesDescription: `BSNet ${input.model.version.slice(0, 16)} lung involvement (derived, research)`,
    SeriesDate: created.date,
    SeriesTime: created.time,
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    Manufacturer: 'BSNet API',
    ManufacturerModelName: 'BSNet lung infection segmentation',
    SoftwareVersions: input.softwareVersion,
    // SR Document General
    InstanceNumber: 1,
    ContentDate: created.date,
    ContentTime: created.time,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    PertinentOtherEvidenceSequence: [
      {
        StudyInstanceUID: input.studyInstanceUID,
        ReferencedSeriesSequence: [
          { SeriesInstanceUID: input.source.seriesInstanceUID, ReferencedSOPSequence: input.source.instances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUID, ReferencedSOPInstanceUID: i.sopInstanceUID })) },
          { SeriesInstanceUID: input.seg.seriesInstanceUID, ReferencedSOPSequence: [{ ReferencedSOPClassUID: SEGMENTATION_SOP_CLASS_UID, ReferencedSOPInstanceUID: input.seg.sopInstanceUID }] },
        ],
      },
    ],
    // SR Document Content
    ...root,
  };
  return writePart10(dataset);
}

/** TID 1411: tracking identifiers, the finding, the referenced segment and its source series, the finding site, the measurements. */
async function group(input: SrInput, name: string, segment: number, finding: Code, site: Item, measurements: Item[]): Promise<Item> {
  return container('CONTAINS', dcm('125007', 'Measurement Group'), [
    textItem('HAS OBS CONTEXT', dcm('112039', 'Tracking Identifier'), name),
    uidItem('HAS OBS CONTEXT', dcm('112040', 'Tracking Unique Identifier'), await input.uids.trackingUID(name)),
    codeItem('CONTAINS', dcm('121071', 'Finding'), finding),
    {
      RelationshipType: 'CONTAINS',
      ValueType: 'IMAGE',
      ConceptNameCodeSequence: concept(dcm('121191', 'Referenced Segment')),
      ReferencedSOPSequence: [{ ReferencedSOPClassUID: SEGMENTATION_SOP_CLASS_UID, ReferencedSOPInstanceUID: input.seg.sopInstanceUID, ReferencedSegmentNumber: segment }],
    },
    uidItem('CONTAINS', dcm('121232', 'Source series for segmentation'), input.source.seriesInstanceUID),
    site,
    ...measurements,
  ], '1411');
}

/** DS holds at most 16 characters. */
function decimalString(value: number): string {
  const text = String(value);
  return text.length <= 16 ? text : value.toPrecision(10).replace(/\.?0+(e|$)/, '$1');
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

function srSeriesNumber(source: number | undefined): number {
  return source !== undefined && source >= 0 && source < 1_000_000 ? source + 2000 : 2000;
}

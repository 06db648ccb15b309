/**
 * The coded concepts our DICOM objects carry (PS3.16): what each segment is, the algorithm
 * families, and the SR's measurement names and units. Standard codes where the standard has one;
 * the product's own concepts (the involvement percentage and its band) under a private coding
 * scheme, declared in each object's Coding Scheme Identification Sequence.
 */
export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });

/** Our private coding scheme (PS3.16 8.2: "99" prefix), for concepts no standard names. */
export const PRIVATE_SCHEME = {
  CodingSchemeDesignator: '99BSNET',
  CodingSchemeName: 'BSNet API lung involvement concepts',
  CodingSchemeResponsibleOrganization: 'BSNet API',
} as const;

export const CODES = {
  // Segmented property categories and types (CID 7150, 7151, 7153 and the abnormal findings of CID 6104).
  anatomicalStructure: code('123037004', 'SCT', 'Anatomical Structure'),
  lung: code('39607008', 'SCT', 'Lung'),
  morphologicallyAbnormalStructure: code('49755003', 'SCT', 'Morphologically Abnormal Structure'),
  /** COVID-19 infection as CT shows it: ground-glass opacity and consolidation, together. */
  opacity: code('112001', 'DCM', 'Opacity'),
  // Algorithm families (CID 7162).
  artificialIntelligence: code('123110', 'DCM', 'Artificial Intelligence'),
  morphologicalOperations: code('123104', 'DCM', 'Morphological Operations'),
  // Derivation (CID 7203) and purpose of reference (CID 7202).
  segmentation: code('113076', 'DCM', 'Segmentation'),
  sourceImageForProcessing: code('121322', 'DCM', 'Source image for image processing operation'),
  // The SR's measurements.
  ctChest: code('24627-2', 'LN', 'CT Chest'),
  volume: code('118565006', 'SCT', 'Volume'),
  findingSite: code('363698007', 'SCT', 'Finding Site'),
  laterality: code('272741003', 'SCT', 'Laterality'),
  left: code('7771000', 'SCT', 'Left'),
  right: code('24028007', 'SCT', 'Right'),
  involvementPercent: code('LUNG-PCT', PRIVATE_SCHEME.CodingSchemeDesignator, 'Percentage of lung volume involved'),
  involvementBand: code('LUNG-BAND', PRIVATE_SCHEME.CodingSchemeDesignator, 'Lung involvement band (0-5, CT severity score steps per lung)'),
  // Units (UCUM).
  milliliter: code('ml', 'UCUM', 'milliliter'),
  percent: code('%', 'UCUM', 'Percent'),
  noUnits: code('1', 'UCUM', 'no units'),
} as const;

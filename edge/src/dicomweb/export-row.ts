/**
 * The record a study keeps of its DICOMweb export (STOW-RS): where it goes (the host only), how
 * far delivery got, every attempt, and each object built so far with whether the destination
 * stored it (a retry sends only those it did not). Declared apart from the study's other rows so
 * the export's policy (export-attempt.ts) depends on no Worker-only module.
 */
export interface ExportRow {
  state: 'pending' | 'delivered' | 'given_up';
  nextAt: number | null;
  /** The destination's host (and port); null until known. Never its path or credentials. */
  destination: string | null;
  attempts: { at: number; httpStatus?: number; error?: string; accepted: number; failed: number }[];
  instances: { kind: 'seg' | 'sr'; sopInstanceUID: string; sourceSeriesInstanceUID: string; stored: boolean }[];
}

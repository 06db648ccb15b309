/**
 * The patient and study attributes a study keeps of its first instance (PS3.3 C.7.1.1 Patient,
 * C.7.2.1 General Study), so the DICOM objects it returns (dicom-out/) belong to the same patient
 * and study in a PACS. Protected health information: kept in the study's Durable Object with the
 * rest of its rows, purged with it, never logged and never in an API answer.
 */
import { z } from 'zod';
import { DecodeError } from '../decode/decoded-image.js';
import { Tag, type Attributes } from '../decode/dicom/attributes.js';
import { characterSetDecoding } from '../decode/dicom/character-set.js';

const text = z.string().max(1024);

export const PatientStudy = z.object({
  patientName: text.optional(),
  patientID: text.optional(),
  patientBirthDate: text.optional(),
  patientSex: text.optional(),
  patientAge: text.optional(),
  studyDate: text.optional(),
  studyTime: text.optional(),
  studyID: text.optional(),
  accessionNumber: text.optional(),
  referringPhysicianName: text.optional(),
  studyDescription: text.optional(),
  /** False when the file's Specific Character Set could not be decoded (its names may be garbled). */
  characterSetDecoded: z.boolean(),
});
export type PatientStudy = z.infer<typeof PatientStudy>;

/**
 * The attributes present in the file (absent and empty ones left out). A value that cannot be read
 * is left out too and named through `malformed`, as the instance header does.
 */
export function readPatientStudy(attributes: Attributes, malformed: (message: string) => void): PatientStudy {
  const charset = characterSetDecoding(safe(() => attributes.texts(Tag.SpecificCharacterSet), malformed));
  const read = (tag: number): string | undefined => safe(() => attributes.string(tag, charset.decode), malformed);
  const values = {
    patientName: read(Tag.PatientName),
    patientID: read(Tag.PatientID),
    patientBirthDate: read(Tag.PatientBirthDate),
    patientSex: read(Tag.PatientSex),
    patientAge: read(Tag.PatientAge),
    studyDate: read(Tag.StudyDate),
    studyTime: read(Tag.StudyTime),
    studyID: read(Tag.StudyID),
    accessionNumber: read(Tag.AccessionNumber),
    referringPhysicianName: read(Tag.ReferringPhysicianName),
    studyDescription: read(Tag.StudyDescription),
  };
  return { ...(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Omit<PatientStudy, 'characterSetDecoded'>), characterSetDecoded: charset.supported };
}

function safe<T>(read: () => T | undefined, malformed: (message: string) => void): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    malformed(err.message);
    return undefined;
  }
}

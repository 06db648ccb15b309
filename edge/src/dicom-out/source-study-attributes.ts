/**
 * The Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1) of a derived object, copied from
 * the source instances so a PACS files it with them. Type 2 attributes are present even when the
 * source had no value (empty, as the standard asks), so the object validates either way.
 */
import type { NaturalDataset } from 'dcmjs';
import type { PatientStudy } from '../studies/patient-study.js';

export function sourceStudyAttributes(studyInstanceUID: string, p: PatientStudy | undefined): NaturalDataset {
  const v = (value: string | undefined): string => value ?? '';
  return {
    PatientName: v(p?.patientName),
    PatientID: v(p?.patientID),
    PatientBirthDate: v(p?.patientBirthDate),
    PatientSex: v(p?.patientSex),
    ...(p?.patientAge ? { PatientAge: p.patientAge } : {}),
    StudyInstanceUID: studyInstanceUID,
    StudyDate: v(p?.studyDate),
    StudyTime: v(p?.studyTime),
    ReferringPhysicianName: v(p?.referringPhysicianName),
    StudyID: v(p?.studyID),
    AccessionNumber: v(p?.accessionNumber),
    ...(p?.studyDescription ? { StudyDescription: p.studyDescription } : {}),
  };
}

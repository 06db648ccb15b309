/**
 * DICOM Part 10 files from naturalized datasets, written by dcmjs (its data dictionary gives each
 * attribute its VR): explicit VR little endian, UTF-8 text (ISO_IR 192). The one place the
 * product writes DICOM.
 */
import dcmjs, { type NaturalDataset } from 'dcmjs';

/** This implementation's identity in the files it writes (PS3.7 D.3.3.2), a UUID-derived UID. */
export const IMPLEMENTATION_CLASS_UID = '2.25.170642064597955627489106997564832871500';
export const IMPLEMENTATION_VERSION_NAME = 'BSNET_API_1';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** The file: preamble, DICM, the file meta group and `dataset` (which names its SOP Class and Instance). */
export function writePart10(dataset: NaturalDataset & { SOPClassUID: string; SOPInstanceUID: string }): Uint8Array {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ SpecificCharacterSet: 'ISO_IR 192', ...dataset });
  return new Uint8Array(dict.write());
}

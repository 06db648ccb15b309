/**
 * The slice of dcmjs (which ships no types) that dicom-out uses: its data dictionary, naturalized
 * datasets and Part 10 reader/writer, and the SR templates. A naturalized dataset is an object
 * keyed by DICOM keyword; sequences are arrays of such objects.
 */
declare module 'dcmjs' {
  export type NaturalDataset = Record<string, unknown>;
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    meta: Record<string, unknown>;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictInstance };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: NaturalDataset): Record<string, unknown>;
        naturalizeDataset(dataset: Record<string, unknown>): NaturalDataset;
      };
    };
    sr: {
      coding: { CodedConcept: new (o: { value: string; schemeDesignator: string; meaning: string; schemeVersion?: string }) => object };
      valueTypes: Record<string, new (o: Record<string, unknown>) => object> & { RelationshipTypes: Record<string, string> };
      contentItems: Record<string, new (o: Record<string, unknown>) => object>;
      templates: Record<string, new (o: Record<string, unknown>) => object[]>;
      documents: { Comprehensive3DSR: new (o: Record<string, unknown>) => NaturalDataset };
    };
  };
  export default dcmjs;
}

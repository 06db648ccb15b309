"""pydicom's reading of a SEG and an SR the API returned, as JSON on stdout: the oracle for
tests/edge/study-dicom.test.ts. For the SEG, every frame unpacked by pydicom (pixel_array) with
what it references and a SHA-256 of its 0/1 bytes; for the SR, its content tree's measurements."""
import hashlib
import json
import sys

import pydicom


def code(seq):
    item = seq[0]
    return [item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning]


def seg(path):
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array
    if ds.NumberOfFrames == 1:
        pixels = pixels.reshape((1,) + pixels.shape)
    frames = []
    for i, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        source = group.DerivationImageSequence[0].SourceImageSequence[0]
        frames.append({
            "segment": int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
            "sop": source.ReferencedSOPInstanceUID,
            "frame": int(source.ReferencedFrameNumber) if "ReferencedFrameNumber" in source else None,
            "position": [float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient],
            "sha256": hashlib.sha256(pixels[i].astype("uint8").tobytes()).hexdigest(),
            "count": int(pixels[i].sum()),
        })
    return {
        "sopClassUID": ds.SOPClassUID,
        "sopInstanceUID": ds.SOPInstanceUID,
        "seriesInstanceUID": ds.SeriesInstanceUID,
        "studyInstanceUID": ds.StudyInstanceUID,
        "frameOfReferenceUID": ds.FrameOfReferenceUID,
        "modality": ds.Modality,
        "patientName": str(ds.PatientName),
        "patientID": ds.PatientID,
        "rows": ds.Rows,
        "columns": ds.Columns,
        "segmentationType": ds.SegmentationType,
        "segments": [{
            "number": int(s.SegmentNumber),
            "label": s.SegmentLabel,
            "category": code(s.SegmentedPropertyCategoryCodeSequence),
            "type": code(s.SegmentedPropertyTypeCodeSequence),
            "algorithm": [s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmName, s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmVersion],
        } for s in ds.SegmentSequence],
        "referencedInstances": [i.ReferencedSOPInstanceUID for i in ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
        "referencedSeries": ds.ReferencedSeriesSequence[0].SeriesInstanceUID,
        "frames": frames,
    }


def sr(path):
    ds = pydicom.dcmread(path)
    groups = []

    def walk(items):
        for item in items:
            if item.ValueType == "CONTAINER" and code(item.ConceptNameCodeSequence)[0] == "125007":
                group = {"numbers": []}
                for child in item.ContentSequence:
                    name = code(child.ConceptNameCodeSequence)
                    if child.ValueType == "TEXT" and name[0] == "112039":
                        group["name"] = child.TextValue
                    elif child.ValueType == "IMAGE":
                        ref = child.ReferencedSOPSequence[0]
                        group["segment"] = [ref.ReferencedSOPInstanceUID, int(ref.ReferencedSegmentNumber)]
                    elif child.ValueType == "NUM":
                        value = child.MeasuredValueSequence[0]
                        group["numbers"].append([name[0], float(value.NumericValue), code(value.MeasurementUnitsCodeSequence)[0]])
                    elif child.ValueType == "CODE" and name[0] == "363698007":
                        sides = [code(c.ConceptCodeSequence)[2] for c in getattr(child, "ContentSequence", [])]
                        group["site"] = [code(child.ConceptCodeSequence)[2]] + sides
                groups.append(group)
            elif "ContentSequence" in item:
                walk(item.ContentSequence)

    walk(ds.ContentSequence)
    evidence = {s.SeriesInstanceUID: [r.ReferencedSOPInstanceUID for r in s.ReferencedSOPSequence] for s in ds.PertinentOtherEvidenceSequence[0].ReferencedSeriesSequence}
    return {
        "sopClassUID": ds.SOPClassUID,
        "sopInstanceUID": ds.SOPInstanceUID,
        "studyInstanceUID": ds.StudyInstanceUID,
        "modality": ds.Modality,
        "template": ds.ContentTemplateSequence[0].TemplateIdentifier,
        "title": code(ds.ConceptNameCodeSequence),
        "patientName": str(ds.PatientName),
        "groups": groups,
        "evidence": evidence,
    }


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    print(json.dumps(seg(path) if kind == "seg" else sr(path)))

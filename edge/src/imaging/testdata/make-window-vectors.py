"""Reference windowed slices for voi-lut.test.ts, from pydicom's own VOI implementation.

Reads CT_small.dcm, converts it to Hounsfield units with pydicom's apply_modality_lut, and windows
it with pydicom's apply_windowing (DICOM PS3.3 C.11.2.1.2.1, the LINEAR function) for a few
windows. apply_windowing scales to the output range the dataset implies, so the dataset is told
it holds unsigned 8-bit values without a rescale: the output range is then exactly 0..255.

Rounding is half up. Where the exact value is a tie (x.5; with integer HU and a centre of 175.5,
width 100, many are), pydicom's float result can sit 1e-14 below it, so the value rounded is the
exact rational one (fractions.Fraction, HU are integers here), after checking that it agrees
with pydicom's within 1e-9. Only a SHA-256 of each 8-bit result and a few counts land here; the
file stays in ../shared/data.

Run from the repository root:
    /usr/bin/python3 edge/src/imaging/testdata/make-window-vectors.py
"""
import hashlib
import json
import math
from fractions import Fraction
import sys
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_windowing

ROOT = Path(__file__).resolve().parents[4]
DICOM = ROOT.parent / "shared" / "data" / "dicom" / "CT_small.dcm"
OUT = Path(__file__).with_name("window-vectors.json")

# lung preset, a soft-tissue window, and width 1 (a threshold between -1 and 0 HU).
WINDOWS = [(-405, 1375), (-600, 1500), (40, 400), (0, 1), (175.5, 100)]


def linear_exact(x: int, c: Fraction, w: Fraction) -> Fraction:
    """PS3.3 C.11.2.1.2.1 with y in 0..255, in exact arithmetic."""
    if x <= c - Fraction(1, 2) - (w - 1) / 2:
        return Fraction(0)
    if x > c - Fraction(1, 2) + (w - 1) / 2:
        return Fraction(255)
    return ((x - (c - Fraction(1, 2))) / (w - 1) + Fraction(1, 2)) * 255


def main() -> None:
    ds = pydicom.dcmread(DICOM)
    hu = apply_modality_lut(ds.pixel_array, ds)
    vectors = []
    for center, width in WINDOWS:
        view = ds.copy()
        for keyword in ("RescaleSlope", "RescaleIntercept", "ModalityLUTSequence"):
            if keyword in view:
                delattr(view, keyword)
        view.PixelRepresentation = 0
        view.BitsStored = 8
        view.WindowCenter = center
        view.WindowWidth = width
        y = apply_windowing(hu, view)
        gray = np.empty(hu.shape, dtype=np.uint8)
        ties = 0
        for value in np.unique(hu):
            assert value == int(value), "CT_small's HU are integers (slope 1)"
            exact = linear_exact(int(value), Fraction(center), Fraction(width))
            where = hu == value
            assert np.all(np.abs(y[where] - float(exact)) < 1e-9), (value, exact)
            ties += int(where.sum()) if exact.denominator == 2 else 0
            gray[where] = math.floor(exact + Fraction(1, 2))
        vectors.append({
            "center": center,
            "width": width,
            "sha256": hashlib.sha256(gray.tobytes()).hexdigest(),
            "zeros": int((gray == 0).sum()),
            "full": int((gray == 255).sum()),
            "mean": float(gray.mean()),
            "tiePixels": ties,
        })
    doc = {
        "about": "CT_small.dcm windowed to 8 bits by pydicom (row-major uint8, SHA-256 over the pixels)",
        "source": "../shared/data/dicom/CT_small.dcm",
        "made_by": "/usr/bin/python3 edge/src/imaging/testdata/make-window-vectors.py",
        "method": "apply_windowing(apply_modality_lut(px)) with output range 0..255, checked against the exact rational value, which is rounded half up",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pydicom": pydicom.__version__},
        "width": int(ds.Columns),
        "height": int(ds.Rows),
        "vectors": vectors,
    }
    OUT.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {OUT} ({len(vectors)} windows)")


if __name__ == "__main__":
    main()

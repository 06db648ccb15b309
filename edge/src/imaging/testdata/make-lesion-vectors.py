"""Reference lesion counts for connected-components.test.ts and mask-stats.test.ts.

For ten covid-semiseg test masks (every fifth file in name order), counts the infected pixels
(mask > 0) and the 8-connected components with scipy.ndimage.label(mask > 0,
structure=np.ones((3, 3))), an implementation independent of ours. The masks stay in
../shared/data; only the numbers land here.

Run from the repository root:
    /usr/bin/python3 edge/src/imaging/testdata/make-lesion-vectors.py
"""
import json
import sys
from pathlib import Path

import numpy as np
import PIL
import scipy
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[4]
MASKS = ROOT.parent / "shared" / "data" / "covid-semiseg" / "test" / "masks"
OUT = Path(__file__).with_name("lesion-vectors.json")


def main() -> None:
    names = sorted(p.name for p in MASKS.glob("*.png"))[::5][:10]
    vectors = []
    for name in names:
        mask = np.asarray(Image.open(MASKS / name).convert("L")) > 0
        _, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=int))
        # 4-connected too: a mask where the two differ shows the test really checks diagonals.
        _, count4 = ndimage.label(mask)
        vectors.append({
            "file": name,
            "width": int(mask.shape[1]),
            "height": int(mask.shape[0]),
            "infectedPixels": int(mask.sum()),
            "lesionCount8": int(count),
            "lesionCount4": int(count4),
        })
    doc = {
        "about": "8-connected component counts of covid-semiseg test masks (nonzero = infected)",
        "source": "../shared/data/covid-semiseg/test/masks",
        "made_by": "/usr/bin/python3 edge/src/imaging/testdata/make-lesion-vectors.py",
        "method": "scipy.ndimage.label(mask > 0, structure=np.ones((3, 3)))",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pillow": PIL.__version__,
        },
        "vectors": vectors,
    }
    OUT.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {OUT} ({len(vectors)} masks)")


if __name__ == "__main__":
    main()

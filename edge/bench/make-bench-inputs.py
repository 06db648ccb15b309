"""Makes the edge benchmark's inputs from real data, into the folder given (default .bench/edge):
ct-512.dcm: CT_small.dcm (pydicom's 128x128 CT) upscaled to 512x512, 16-bit signed, explicit VR LE;
phone-12mp.jpg: a real COVID-SemiSeg slice placed in a 4000x3000 colour photo (4:2:0, quality 90,
EXIF orientation 6) like a phone picture of a screen. Run with /usr/bin/python3 (pydicom, PIL, numpy)."""
import os, sys
import numpy as np
import pydicom
from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else '.bench/edge'
data = sys.argv[2] if len(sys.argv) > 2 else '../shared/data'
os.makedirs(out, exist_ok=True)

ds = pydicom.dcmread(os.path.join(data, 'dicom', 'CT_small.dcm'))
big = np.kron(ds.pixel_array, np.ones((4, 4), dtype=ds.pixel_array.dtype))
ds.Rows, ds.Columns = big.shape
ds.PixelData = big.tobytes()
ds.save_as(os.path.join(out, 'ct-512.dcm'))

slice_ = Image.open(os.path.join(data, 'covid-semiseg', 'test', 'images', sorted(os.listdir(os.path.join(data, 'covid-semiseg', 'test', 'images')))[0])).convert('RGB')
photo = Image.new('RGB', (4000, 3000), (40, 44, 52))
photo.paste(slice_.resize((2400, 2400), Image.BILINEAR), (800, 300))
noise = np.random.default_rng(0).normal(0, 4, (3000, 4000, 3))
photo = Image.fromarray(np.clip(np.asarray(photo, dtype=np.float32) + noise, 0, 255).astype(np.uint8))
exif = Image.Exif()
exif[0x0112] = 6
photo.save(os.path.join(out, 'phone-12mp.jpg'), quality=90, subsampling=2, exif=exif.tobytes())
print(out)

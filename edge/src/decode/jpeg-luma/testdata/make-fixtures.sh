#!/usr/bin/env bash
# Regenerates the JPEG fixtures in this folder from one real CT slice (covid-semiseg test/18.jpg,
# cropped to 101x77 so MCUs overhang both edges). Needs /usr/bin/python3 with PIL and Debian's
# libjpeg-turbo-progs (cjpeg, jpegtran); the tests only read the committed files.
#   base-*.jpg      cjpeg output: gray, 4:2:0 and 4:2:2 colour, baseline and progressive
#   rst-*.jpg       the same coefficients with restart markers added by jpegtran (lossless;
#                   for progressive files jpegtran also writes its own scan script)
#   scans-*.jpg     custom scan scripts: separate per-component baseline scans, and a
#                   progressive script with split bands and three successive-approximation steps
#   luma-half.jpg   Y sampled 1x1 under chroma 2x2, so the luma plane is half the frame
set -euo pipefail
cd "$(dirname "$0")"
src=../../../../../../shared/data/covid-semiseg/test/images/18.jpg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$src" "$tmp" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('L').crop((120, 140, 221, 217))
im.save(sys.argv[2] + '/gray.pgm')
Image.merge('RGB', (im, im.point(lambda v: 255 - v), im.point(lambda v: v // 2))).save(sys.argv[2] + '/color.ppm')
PY
cat > "$tmp/sequential.scans" <<'S'
0: 0 63 0 0; 1: 0 63 0 0; 2: 0 63 0 0;
S
cat > "$tmp/progressive.scans" <<'S'
0,1,2: 0 0 0 2; 0: 1 2 0 3; 0: 3 9 0 2; 0: 10 63 0 2; 1: 1 63 0 1; 2: 1 63 0 1;
0,1,2: 0 0 2 1; 0: 1 2 3 2; 0: 1 63 2 1; 0,1,2: 0 0 1 0; 0: 1 20 1 0; 0: 21 63 1 0; 1: 1 63 1 0; 2: 1 63 1 0;
S
cjpeg -quality 90 -grayscale -outfile base-gray.jpg "$tmp/gray.pgm"
cjpeg -quality 90 -sample 2x2 -outfile base-420.jpg "$tmp/color.ppm"
cjpeg -quality 90 -sample 2x2 -progressive -outfile base-420-prog.jpg "$tmp/color.ppm"
cjpeg -quality 90 -sample 2x1 -progressive -outfile base-422-prog.jpg "$tmp/color.ppm"
jpegtran -restart 5B -outfile rst-gray.jpg base-gray.jpg
jpegtran -restart 1 -outfile rst-420.jpg base-420.jpg
jpegtran -progressive -restart 2B -outfile rst-420-prog.jpg base-420-prog.jpg
jpegtran -progressive -restart 3B -outfile rst-422-prog.jpg base-422-prog.jpg
cjpeg -quality 90 -sample 2x2 -scans "$tmp/sequential.scans" -outfile scans-sequential.jpg "$tmp/color.ppm"
cjpeg -quality 90 -sample 2x2 -scans "$tmp/progressive.scans" -restart 4B -outfile scans-progressive.jpg "$tmp/color.ppm"
cjpeg -quality 90 -sample 1x1,2x2,2x2 -outfile luma-half.jpg "$tmp/color.ppm"

/**
 * Test support: colour, progressive and 12 MP JPEGs written by PIL (libjpeg) from a real slice
 * into a temp folder, with libjpeg's own luma decode of each at 1/1, 1/2, 1/4 and 1/8 (PIL's
 * Image.draft('L', ...), which sets libjpeg's scale_denom and gray output) as the oracle.
 * Needs /usr/bin/python3 with PIL (python3-pil); `skip` says why when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SLICE = fileURLToPath(new URL('../../../../../shared/data/covid-semiseg/test/images/18.jpg', import.meta.url));

const SCRIPT = `
import sys, numpy as np
from PIL import Image
d, src, big = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
im = Image.open(src).convert('L')
rgb = Image.merge('RGB', (im, im.point(lambda v: 255 - v), im.point(lambda v: v // 2)))
names = []
for sub, tag in [(0, '444'), (1, '422'), (2, '420')]:
    for prog in (False, True):
        name = 'c%s%s.jpg' % (tag, '-prog' if prog else '')
        rgb.save('%s/%s' % (d, name), quality=92, subsampling=sub, progressive=prog)
        names.append(name)
rgb.crop((3, 5, 104, 82)).save(d + '/odd-prog.jpg', quality=85, subsampling=2, progressive=True)
names.append('odd-prog.jpg')
if big:
    # A 4000x3000 "phone photo" of the slice: upscaled, tinted, noisy, margins, EXIF Orientation 6.
    rng = np.random.default_rng(1)
    g = np.asarray(im.resize((3000, 3000), Image.BICUBIC), np.float32)
    canvas = np.zeros((3000, 4000, 3), np.float32)
    for c, (gain, off) in enumerate([(0.95, 10), (0.9, 5), (0.85, 20)]):
        canvas[:, 500:3500, c] = g * gain + off
    canvas[:, :500] = np.linspace(30, 90, 500)[None, :, None]
    canvas[:, 3500:] = np.linspace(90, 30, 500)[None, :, None]
    canvas += rng.normal(0, 4, canvas.shape)
    photo = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), 'RGB')
    exif = Image.Exif()
    exif[0x0112] = 6
    for prog in (False, True):
        name = 'photo%s.jpg' % ('-prog' if prog else '')
        photo.save('%s/%s' % (d, name), quality=90, subsampling=2, progressive=prog, exif=exif.tobytes())
        names.append(name)
for name in names:
    for s in (1, 2, 4, 8):
        if name.startswith('photo') and s == 1:
            continue
        j = Image.open('%s/%s' % (d, name))
        w, h = j.size
        j.draft('L', (max(1, w // s), max(1, h // s)))  # libjpeg picks the largest scale still >= this
        j = j.convert('L')
        assert j.size == (-(-w // s), -(-h // s)), (name, s, j.size)
        open('%s/%s.s%d.raw' % (d, name, s), 'wb').write(j.tobytes())
print(' '.join(names))
`;

export interface PilJpegs {
  names: string[];
  /** The JPEG's bytes. */
  file(name: string): Uint8Array;
  /** libjpeg's luma at 1/scale (not for photos at 1/1, to spare 12 MB each). */
  oracle(name: string, scale: number): Uint8Array;
  dispose(): void;
}

/**
 * Writes the files; `withPhotos` adds the two 12 MP photos (about 2 s). Returns the reason
 * instead when PIL is missing.
 *
 * @example
 * const pil = makePilJpegs(false); if (typeof pil === 'string') ctx.skip(pil);
 */
export function makePilJpegs(withPhotos: boolean): PilJpegs | string {
  const dir = mkdtempSync(join(tmpdir(), 'jpeg-luma-'));
  const run = spawnSync('/usr/bin/python3', ['-c', SCRIPT, dir, SLICE, withPhotos ? '1' : '0'], { encoding: 'utf8' });
  if (run.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `python3 with PIL and numpy is not available: ${(run.error?.message ?? run.stderr).trim().split('\n').pop()}`;
  }
  return {
    names: run.stdout.trim().split(' '),
    file: (name) => new Uint8Array(readFileSync(join(dir, name))),
    oracle: (name, scale) => new Uint8Array(readFileSync(join(dir, `${name}.s${scale}.raw`))),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

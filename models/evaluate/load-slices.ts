/**
 * Finds the slices of an evaluation set and decodes them: every image (.jpg/.jpeg/.png) in the
 * images folder is paired with the .png of the same stem in the masks folder, the layout of
 * covid-semiseg and of Inf-Net's evaluation. A set that does not pair up is an error that names
 * the file, because silently scoring a subset would publish the wrong number.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, parse } from 'node:path';
import jpeg from 'jpeg-js';
import UPNG from 'upng-js';
import type { GrayImage } from '../../shared/image/gray-image.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

export class SliceLoadError extends Error {
  override name = 'SliceLoadError';
}

export interface SliceFiles {
  /** File stem shared by the image and its mask, e.g. "18". */
  name: string;
  imagePath: string;
  maskPath: string;
}

export interface Slice extends SliceFiles {
  image: GrayImage;
  mask: GrayImage;
}

export interface ListOptions {
  /** Only these stems (each must exist). */
  names?: string[];
  /** Only the first `limit` slices in name order. */
  limit?: number;
}

async function filesIn(dir: string, what: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    throw new SliceLoadError(`cannot read the ${what} folder ${dir}: ${(err as Error).message}`);
  }
}

/** Numeric-aware order, so "2" comes before "10" as slices do in a volume. */
const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/**
 * Pairs images with masks by stem, in name order.
 *
 * @example
 * const files = await listSlices('../shared/data/covid-semiseg/test/images', '../shared/data/covid-semiseg/test/masks');
 */
export async function listSlices(imagesDir: string, masksDir: string, opts: ListOptions = {}): Promise<SliceFiles[]> {
  const images = new Map<string, string>();
  for (const file of await filesIn(imagesDir, 'images')) {
    if (!IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) continue;
    const stem = parse(file).name;
    const previous = images.get(stem);
    if (previous) throw new SliceLoadError(`two images share the name "${stem}": ${join(imagesDir, previous)} and ${join(imagesDir, file)}`);
    images.set(stem, file);
  }
  const masks = new Map<string, string>();
  for (const file of await filesIn(masksDir, 'masks')) {
    if (extname(file).toLowerCase() === '.png') masks.set(parse(file).name, file);
  }
  let names = [...images.keys()].sort(byName);
  if (opts.names) {
    for (const n of opts.names) if (!images.has(n)) throw new SliceLoadError(`no image named "${n}" in ${imagesDir}`);
    names = [...opts.names];
  } else {
    const orphan = [...masks.keys()].sort(byName).find((n) => !images.has(n));
    if (orphan !== undefined) throw new SliceLoadError(`mask ${join(masksDir, masks.get(orphan)!)} has no image of the same name in ${imagesDir}`);
  }
  if (opts.limit !== undefined) names = names.slice(0, opts.limit);
  if (names.length === 0) throw new SliceLoadError(`no .jpg, .jpeg or .png images in ${imagesDir}`);
  return names.map((name) => {
    const mask = masks.get(name);
    if (!mask) throw new SliceLoadError(`image ${join(imagesDir, images.get(name)!)} has no mask ${name}.png in ${masksDir}`);
    return { name, imagePath: join(imagesDir, images.get(name)!), maskPath: join(masksDir, mask) };
  });
}

/** PIL's RGB -> L (ITU-R 601 luma in 16-bit fixed point), so a gray pixel keeps its exact value. */
function luminance(rgba: Uint8Array, width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    data[i] = (rgba[j]! * 19595 + rgba[j + 1]! * 38470 + rgba[j + 2]! * 7471 + 0x8000) >> 16;
  }
  return { width, height, data };
}

/**
 * Decodes a JPEG or PNG file's bytes to 8-bit gray (colour is reduced to luma; alpha is ignored,
 * as PIL's convert('L') does). The path only names the file in errors and picks the decoder.
 */
export function decodeGray(bytes: Uint8Array, path: string): GrayImage {
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.png') {
      const png = UPNG.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      // toRGBA8 also expands palettes and reduces 16-bit samples to 8-bit.
      const rgba = new Uint8Array(UPNG.toRGBA8(png)[0]!);
      return luminance(rgba, png.width, png.height);
    }
    if (ext === '.jpg' || ext === '.jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return luminance(img.data, img.width, img.height);
    }
  } catch (err) {
    throw new SliceLoadError(`cannot decode ${path}: ${(err as Error).message ?? String(err)}`);
  }
  throw new SliceLoadError(`cannot decode ${path}: not a .jpg, .jpeg or .png file`);
}

/** Reads and decodes one slice; its image and mask must have the same size. */
export async function loadSlice(files: SliceFiles): Promise<Slice> {
  const read = async (path: string): Promise<GrayImage> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new SliceLoadError(`cannot read ${path}: ${(err as Error).message}`);
    }
    const img = decodeGray(bytes, path);
    if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height) {
      throw new SliceLoadError(`cannot decode ${path}: it decodes to an empty or malformed ${img.width}x${img.height} image`);
    }
    return img;
  };
  const [image, mask] = await Promise.all([read(files.imagePath), read(files.maskPath)]);
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new SliceLoadError(
      `image ${files.imagePath} is ${image.width}x${image.height} but its mask ${files.maskPath} is ${mask.width}x${mask.height}`,
    );
  }
  return { ...files, image, mask };
}

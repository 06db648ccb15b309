/**
 * Which lung is the patient's left, from DICOM Image Orientation Patient (PS3.3 C.7.6.2.1.1:
 * LPS patient coordinates, +x towards the patient's left; the first three cosines are the
 * direction of increasing column index, the last three that of increasing row index). Never from
 * the picture alone: a flipped or rotated image would swap the answer silently. Runtime-neutral.
 */
import type { LungMask } from './lung-mask.js';

/**
 * The image axis must point at least this much along patient x (cos 60°) to tell left from right;
 * a sagittal slice (x components both 0) cannot.
 */
export const MIN_LEFT_RIGHT_COSINE = 0.5;

/**
 * The labels of the patient's left and right lung; undefined when the lungs were not found, no
 * (or no valid) orientation is given, or neither image axis runs left-right. When the row
 * direction runs mostly along patient x (the usual axial display: [1, 0, 0, 0, 1, 0], columns
 * increasing to the patient's left), the lung with the larger centroid column is the left one if
 * that cosine is > 0 and the right one if < 0; when the image is rotated so that columns run
 * mostly along y, the centroid rows and the column direction's x cosine decide instead.
 *
 * @example
 * lungSides(mask, [1, 0, 0, 0, 1, 0]); // { left: 2, right: 1 }: label 2 has the larger column
 * lungSides(mask, [0, 1, 0, -1, 0, 0]); // rotated 90°: the lung with the smaller row is the left one
 */
export function lungSides(mask: Pick<LungMask, 'found' | 'lungs'>, imageOrientationPatient?: readonly number[]): { left: 1 | 2; right: 1 | 2 } | undefined {
  if (!mask.found || mask.lungs.length !== 2 || !imageOrientationPatient || imageOrientationPatient.length !== 6) return undefined;
  if (!imageOrientationPatient.every((v) => Number.isFinite(v))) return undefined;
  const rowX = imageOrientationPatient[0]!; // x of the direction of increasing column index
  const colX = imageOrientationPatient[3]!; // x of the direction of increasing row index
  const [a, b] = mask.lungs as [LungMask['lungs'][number], LungMask['lungs'][number]];
  const byColumns = Math.abs(rowX) >= Math.abs(colX);
  const cosine = byColumns ? rowX : colX;
  if (Math.abs(cosine) < MIN_LEFT_RIGHT_COSINE) return undefined;
  const da = byColumns ? a.centroidColumn : a.centroidRow;
  const db = byColumns ? b.centroidColumn : b.centroidRow;
  if (da === db) return undefined;
  // The lung further along the axis is further towards patient +x (left) when the cosine is > 0.
  const aIsLeft = da > db === cosine > 0;
  return aIsLeft ? { left: a.label, right: b.label } : { left: b.label, right: a.label };
}

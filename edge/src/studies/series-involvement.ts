/**
 * A series' lung involvement from its slices' lung figures: lung and infected volume per lung in
 * mL, the percentage of each lung (and of both) that is infected, the 0–5 band of each lung, and
 * the slice with the highest involvement. Lobes are not segmented, so there is no lobar 0–25
 * severity score: a per-lung band is what these numbers support. A measurement, not a diagnosis.
 */
import { volumeMl } from './series-geometry.js';

/** What each slice contributes (pixels of its lung mask, per side when sides are known). */
export interface SliceLungCounts {
  key: string;
  found: boolean;
  lungPixels: number;
  infectedInLungPixels: number;
  left?: { pixels: number; infectedPixels: number };
  right?: { pixels: number; infectedPixels: number };
}

export interface LungVolume {
  lungVolumeMl: number;
  infectedVolumeMl: number;
  /** infected / lung volume x 100; null when no lung was found. */
  involvementPercent: number | null;
  /** 0 none, 1 < 5 %, 2 5–25 %, 3 > 25–< 50 %, 4 50–75 %, 5 > 75 % (the CT severity score's steps, here per lung). */
  band: number | null;
}

export interface SeriesInvolvement extends LungVolume {
  /** Slices whose two lungs were found (the others add nothing to the volumes). */
  slicesWithLungs: number;
  left: LungVolume | null;
  right: LungVolume | null;
  /** The slice with the largest infected share of its lungs; null when none has any. */
  mostInvolvedSlice: { key: string; infectedShare: number } | null;
}

/**
 * The CT severity score's per-region step for `percent` infected: 0 none, 1 under 5, 2 5 to 25,
 * 3 over 25 and under 50, 4 50 to 75, 5 over 75. The published bands leave 25–26 and 49–50 open;
 * they close here at 25 (band 2) and 50 (band 4).
 * @example involvementBand(12) // 2
 */
export function involvementBand(percent: number): number {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`percent must be in 0..100, got ${percent}`);
  if (percent === 0) return 0;
  if (percent < 5) return 1;
  if (percent <= 25) return 2;
  if (percent < 50) return 3;
  if (percent <= 75) return 4;
  return 5;
}

/**
 * @example seriesInvolvement(slices, [0.7, 0.7], 1.25).left?.involvementPercent // 14.2
 */
export function seriesInvolvement(slices: readonly SliceLungCounts[], pixelSpacing: [number, number] | undefined, sliceSpacingMm: number | undefined): SeriesInvolvement | null {
  if (!pixelSpacing || sliceSpacingMm === undefined) return null;
  const withLungs = slices.filter((s) => s.found);
  const volume = (lung: number, infected: number): LungVolume => {
    const percent = lung > 0 ? (100 * infected) / lung : null;
    return {
      lungVolumeMl: round(volumeMl(lung, pixelSpacing, sliceSpacingMm), 3),
      infectedVolumeMl: round(volumeMl(infected, pixelSpacing, sliceSpacingMm), 3),
      involvementPercent: percent === null ? null : round(percent, 2),
      band: percent === null ? null : involvementBand(percent),
    };
  };
  const sum = (pick: (s: SliceLungCounts) => number | undefined): number => withLungs.reduce((n, s) => n + (pick(s) ?? 0), 0);
  // Sides only when every slice with lungs knows them: a half-sided sum would be wrong for both.
  const sided = withLungs.length > 0 && withLungs.every((s) => s.left && s.right);
  let most: SeriesInvolvement['mostInvolvedSlice'] = null;
  for (const s of withLungs) {
    const share = s.lungPixels > 0 ? s.infectedInLungPixels / s.lungPixels : 0;
    if (share > 0 && (!most || share > most.infectedShare)) most = { key: s.key, infectedShare: round(share, 4) };
  }
  return {
    ...volume(sum((s) => s.lungPixels), sum((s) => s.infectedInLungPixels)),
    slicesWithLungs: withLungs.length,
    left: sided ? volume(sum((s) => s.left?.pixels), sum((s) => s.left?.infectedPixels)) : null,
    right: sided ? volume(sum((s) => s.right?.pixels), sum((s) => s.right?.infectedPixels)) : null,
    mostInvolvedSlice: most,
  };
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

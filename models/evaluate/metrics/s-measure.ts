/**
 * Structure measure (Fan et al., ICCV 2017) with alpha = 0.5: object-aware similarity of the
 * foreground and background distributions plus region-aware SSIM over the four quadrants split at
 * the mask's centroid. Follows PySODMetrics' `Smeasure` line by line, including its rounding of the
 * centroid and its eps; see the notes where a degenerate case needed a choice. Pure TS.
 */
import { EPS, type PreparedPair } from './prepare-pair.js';

export function sMeasure(pair: PreparedPair, alpha = 0.5): number {
  const { pred, fgCount } = pair;
  const n = pred.length;
  const y = fgCount / n;
  if (y === 0) return 1 - mean(pred);
  if (y === 1) return mean(pred);
  const score = alpha * objectScore(pair, y) + (1 - alpha) * regionScore(pair);
  return Math.max(0, score);
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** `s_object`: 2m / (m^2 + 1 + std + eps), with the sample std (ddof = 1) from the squared deviations. */
function sObject(m: number, squaredDeviations: number, count: number): number {
  // numpy's ddof=1 std of one value is NaN; MATLAB's std (the original code) gives 0. Take 0.
  const std = count > 1 ? Math.sqrt(squaredDeviations / (count - 1)) : 0;
  return (2 * m) / (m * m + 1 + std + EPS);
}

function objectScore({ pred, fg }: PreparedPair, gtMean: number): number {
  // Two passes (means, then squared deviations) keep the std as accurate as numpy's.
  let fgSum = 0, fgCount = 0, bgSum = 0, bgCount = 0;
  for (let i = 0; i < pred.length; i++) {
    if (fg[i]) {
      fgSum += pred[i]!;
      fgCount++;
    } else {
      bgSum += 1 - pred[i]!;
      bgCount++;
    }
  }
  const fgMean = fgSum / fgCount;
  const bgMean = bgSum / bgCount;
  let fgDev = 0, bgDev = 0;
  for (let i = 0; i < pred.length; i++) {
    if (fg[i]) fgDev += (pred[i]! - fgMean) ** 2;
    else bgDev += (1 - pred[i]! - bgMean) ** 2;
  }
  return sObject(fgMean, fgDev, fgCount) * gtMean + sObject(bgMean, bgDev, bgCount) * (1 - gtMean);
}

/** numpy's round (half to even), which PySODMetrics applies to the centroid. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

function regionScore(pair: PreparedPair): number {
  const { width: w, height: h, fg, fgCount } = pair;
  let rowSum = 0, colSum = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (fg[r * w + c]) {
        rowSum += r;
        colSum += c;
      }
    }
  }
  // The + 1 reproduces MATLAB's 1-based `1:X`, so the top-left block includes the centroid row/column.
  const cy = roundHalfEven(rowSum / fgCount) + 1;
  const cx = roundHalfEven(colSum / fgCount) + 1;
  const area = w * h;
  const wLt = (cx * cy) / area;
  const wRt = (cy * (w - cx)) / area;
  const wLb = ((h - cy) * cx) / area;
  const wRb = 1 - wLt - wRt - wLb;
  return (
    ssim(pair, 0, cy, 0, cx) * wLt +
    ssim(pair, 0, cy, cx, w) * wRt +
    ssim(pair, cy, h, 0, cx) * wLb +
    ssim(pair, cy, h, cx, w) * wRb
  );
}

/** PySODMetrics' `ssim` of the block rows [r0, r1) x columns [c0, c1). */
function ssim({ pred, fg, width }: PreparedPair, r0: number, r1: number, c0: number, c1: number): number {
  const n = (r1 - r0) * (c1 - c0);
  // An empty block (centroid on the last row or column) has weight 0; numpy would give NaN * 0.
  if (n <= 0) return 0;
  let sx = 0, sy = 0;
  for (let r = r0; r < r1; r++) {
    for (let i = r * width + c0, end = r * width + c1; i < end; i++) {
      sx += pred[i]!;
      sy += fg[i]!;
    }
  }
  const x = sx / n;
  const y = sy / n;
  let vx = 0, vy = 0, cxy = 0;
  for (let r = r0; r < r1; r++) {
    for (let i = r * width + c0, end = r * width + c1; i < end; i++) {
      const dx = pred[i]! - x;
      const dy = fg[i]! - y;
      vx += dx * dx;
      vy += dy * dy;
      cxy += dx * dy;
    }
  }
  // A one-pixel block: numpy divides 0 by 0; MATLAB's code adds eps to N - 1, giving 0. Take 0.
  const den = n > 1 ? n - 1 : Infinity;
  const sigmaX = vx / den;
  const sigmaY = vy / den;
  const sigmaXY = cxy / den;
  const alpha = 4 * x * y * sigmaXY;
  const beta = (x * x + y * y) * (sigmaX + sigmaY);
  if (alpha !== 0) return alpha / (beta + EPS);
  return beta === 0 ? 1 : 0;
}

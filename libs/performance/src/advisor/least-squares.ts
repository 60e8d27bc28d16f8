/** A straight line fitted by least squares: `y = intercept + slope * x`. */
export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination, 0..1 (1 when every y is equal). */
  readonly r2: number;
  readonly n: number;
}

/** Ordinary least squares over the points; undefined with fewer than 2 distinct x. */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LinearFit | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), n };
}

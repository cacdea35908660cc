import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pearson, linearFit, studentTQuantile, studentTCdf, logGamma } from '../../src/linalg/fit.js';
import { GeolensError } from '../../src/errors.js';

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

test('Student t quantiles match tables (SciPy stats.t.ppf(0.975, df))', () => {
  const ref: [number, number][] = [
    [1, 12.706204736174694], [2, 4.302652729749462], [3, 3.1824463052837078], [5, 2.5705818356363146],
    [10, 2.228138851986274], [30, 2.0422724563012378], [100, 1.9839715185235518], [1000, 1.9623390808264083],
  ];
  for (const [df, t] of ref) assert.ok(close(studentTQuantile(0.975, df), t, 1e-10), `df=${df}: ${studentTQuantile(0.975, df)} vs ${t}`);
  assert.ok(close(studentTQuantile(0.025, 4), -studentTQuantile(0.975, 4), 1e-15));
  assert.ok(close(studentTCdf(1.5, 3), 0.8847080673775886, 1e-12));
  assert.ok(close(studentTCdf(-0.7, 7.5), 0.2525278109369252, 1e-12));
  assert.ok(close(logGamma(5), Math.log(24), 1e-14));
  assert.ok(close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14));
});

test('linearFit: exact line gives zero stderr, r = 1 and zero residuals', () => {
  const x = [0, 1, 2, 3];
  const f = linearFit(x, x.map((v) => 2 - 0.5 * v));
  assert.ok(close(f.slope, -0.5, 1e-15) && close(f.intercept, 2, 1e-15));
  assert.equal(f.r, -1);
  assert.ok(f.slopeStderr !== null && f.slopeStderr < 1e-15);
  assert.ok(f.residuals.every((e) => Math.abs(e) < 1e-15));
});

test('linearFit: matches scipy.stats.linregress on a known dataset', () => {
  const x = [0, 1, 2, 3, 4, 5];
  const y = [2.0, 2.9, 4.2, 4.8, 6.1, 7.05];
  const f = linearFit(x, y);
  assert.ok(close(f.slope, 1.0128571428571427, 1e-13));
  assert.ok(close(f.intercept, 1.9761904761904772, 1e-13));
  assert.ok(close(f.r!, 0.9972488741315065, 1e-13));
  assert.ok(close(f.slopeStderr!, 0.03764315080756565, 1e-12));
  assert.ok(close(f.interceptStderr!, 0.11397029887187143, 1e-12));
  assert.ok(close(f.slopeCI95![0], 0.9083430010532547, 1e-11) && close(f.slopeCI95![1], 1.1173712846610306, 1e-11));
  let sum = 0;
  for (const e of f.residuals) sum += e;
  assert.ok(Math.abs(sum) < 1e-13, 'residuals sum to zero');
  assert.ok(close(pearson(x, y), 0.9972488741315065, 1e-13));
});

test('linearFit / pearson edge cases', () => {
  const two = linearFit([0, 1], [1, 3]);
  assert.equal(two.slope, 2);
  assert.equal(two.slopeStderr, null);
  assert.equal(two.slopeCI95, null);
  assert.equal(linearFit([0, 1, 2], [1, 1, 1]).r, null);
  assert.ok(Number.isNaN(pearson([1, 2, 3], [4, 4, 4])));
  assert.throws(() => linearFit([1, 1, 1], [1, 2, 3]), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT');
  assert.throws(() => linearFit([1, 2], [1]), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
  assert.throws(() => pearson([1, NaN], [1, 2]), (e: unknown) => e instanceof GeolensError);
});

/**
 * Gradient rules of elementwise arithmetic, checked against central finite differences: Add, Sub, Div, Neg, Sum,
 * Log, Sqrt, Abs, Where, Pow (add.ts, sub.ts, div.ts, neg.ts, sum.ts, log.ts, sqrt.ts, abs.ts, where.ts, pow.ts).
 * Mul (mul.ts) is in every loss of these tests; Exp is with the activations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGrad, uniformIn } from '../../helpers/expect-grad.js';
import { awayFromZero, gradCheck } from '../../helpers/gradcheck.js';

test('Add: broadcasting [3,4] + [4] and [3,1] (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [3, 4] }, c: { shape: [4] }, d: { shape: [3, 1] } },
    forward: (b, x) => b.add(b.add(x.a!, x.c!), x.d!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('Sub: broadcasting [3,4] − [4] and [2,1,3] − [1,4,3] (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] }, c: { shape: [4] } }, forward: (b, x) => b.sub(x.a!, x.c!) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 1, 3] }, c: { shape: [1, 4, 3] } }, forward: (b, x) => b.sub(x.a!, x.c!) });
});

test('Div: broadcasting [3,4] / [4] and [2,1,3] / [1,4,3], denominators away from 0 (float64)', async (t) => {
  const denom = { init: uniformIn(0.5, 2) };
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] }, c: { shape: [4], ...denom } }, forward: (b, x) => b.div(x.a!, x.c!) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 1, 3] }, c: { shape: [1, 4, 3], ...denom } }, forward: (b, x) => b.div(x.a!, x.c!) });
  // the denominator broadcast against a larger numerator
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3] }, c: { shape: [2, 3], init: uniformIn(-2, -0.5) } }, forward: (b, x) => b.div(x.a!, x.c!) });
});

test('Neg (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.neg(x.a!) });
});

test('Sum: variadic with broadcasting [3,4] + [4] + [3,1], and a single input (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4] }, c: { shape: [4] }, d: { shape: [3, 1] } },
    forward: (b, x) => b.op('Sum', [x.a!, x.c!, x.d!]),
  });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3] } }, forward: (b, x) => b.op('Sum', [x.a!]) });
});

test('Log and Sqrt on positive inputs (float64)', async (t) => {
  for (const op of ['Log', 'Sqrt']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3], init: uniformIn(0.3, 3) } }, forward: (b, x) => b.op(op, [x.a!]) });
  }
});

test('Abs, away from 0 (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4], init: awayFromZero } }, forward: (b, x) => b.op('Abs', [x.a!]) });
});

test('Where: gradients to both value inputs, broadcasting [3,4] and [4] under a [3,1] condition (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { c: { shape: [3, 1], noGrad: true, data: [1, -1, 1] }, a: { shape: [3, 4] }, z: { shape: [4] } },
    forward: (b, x) => b.op('Where', [b.op('Greater', [x.c!, b.constFloat(0)]), x.a!, x.z!]),
  });
  // the condition computed from a differentiated input (it gets no gradient through the comparison)
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3], init: awayFromZero } },
    forward: (b, x) => b.op('Where', [b.op('Greater', [x.a!, b.constFloat(0)]), b.mul(x.a!, x.a!), b.neg(x.a!)]),
  });
});

test('Pow: tensor exponent with broadcasting, gradients to base and exponent (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4], init: uniformIn(0.3, 2) }, e: { shape: [4], init: uniformIn(-1.5, 2.5) } },
    forward: (b, x) => b.op('Pow', [x.a!, x.e!]),
  });
});

test('Pow: constant exponents 3, 2, 0.5 and an int64 exponent tensor (negative bases allowed for integers) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(3)]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(2)]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [5, 2], init: uniformIn(0.3, 2) } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(0.5)]) });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4], init: awayFromZero }, e: { shape: [4], int64: true, data: [1, 2, 3, -2] } },
    forward: (b, x) => b.op('Pow', [x.a!, x.e!]),
  });
});

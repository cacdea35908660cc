/**
 * Case csv-label-column (../shared/cases): a digits CSV whose header names its FIRST column `label` (the layout of
 * Kaggle-style digit CSVs). A header column named label/class/target/y is the label wherever it stands; a header
 * naming no label column among numeric ones is refused with how to name it (#label=…), never guessed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';
import { loadDataset } from '../../src/data/node.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths: [file], skip } = caseFiles('csv-label-column', 'digits_with_label_header.csv');

test('case csv-label-column: the column named label is the label, wherever it stands', { skip }, async () => {
  const ds = await loadDataset(`csv:${file}`);
  assert.deepEqual(ds.sampleShape, [784], 'the 784 pixel columns are the features');
  assert.equal(ds.numClasses, 10);
  assert.equal(new Set(ds.y).size, 10);
  assert.ok(ds.x.data.some((v) => v > 0));
  // the same with the label column moved to the middle, or named Class / TARGET / y
  for (const name of ['label', 'Class', 'TARGET', 'y']) {
    const text = `f0,${name},f1\n0.5,3,1\n0.25,1,2\n0.125,3,4\n`;
    const d = parseCsv(text);
    assert.deepEqual([...d.x.data], [0.5, 1, 0.25, 2, 0.125, 4], name);
    assert.deepEqual([...d.y], [3, 1, 3], name);
    assert.match(d.notes!.join('\n'), /classes 0, 2 have no samples/, 'unused classes are reported');
  }
});

test('case csv-label-column: a header with no label column among numeric columns is refused, saying how to name it', { skip }, async () => {
  await expectGeolensError(() => parseCsv('a,b,c\n1,2,0\n3,4,1\n', { name: 'x.csv' }), 'BAD_ARGUMENT', /cannot tell which column holds the labels/, /#label=<column name or index>/, /columns: a, b, c/);
  await expectGeolensError(() => parseCsv('label,y,f\n1,2,0\n3,4,1\n', { name: 'x.csv' }), 'BAD_ARGUMENT', /several columns could be the label \('label', 'y'\)/);
  assert.deepEqual([...parseCsv('a,b,c\n1,2,0\n3,4,1\n', { label: 'c' }).y], [0, 1]);
});

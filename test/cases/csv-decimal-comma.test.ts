/**
 * Case csv-decimal-comma (../shared/cases): semicolon-separated CSVs with decimal commas, with and without a header.
 * The delimiter is sniffed (consistent cell counts, then cells that read as numbers), decimal commas are read and
 * said in the notes; a decimal comma that cannot be told from a delimiter is named as such.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, sniffDelimiter } from '../../src/data/csv.js';
import { loadDataset } from '../../src/data/node.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths: [withHeader, noHeader], skip } = caseFiles('csv-decimal-comma', 'european_header.csv', 'european_noheader.csv');

test('case csv-decimal-comma: both files load with the values the decimal commas write', { skip }, async () => {
  const h = await loadDataset(`csv:${withHeader}`);
  const n = await loadDataset(`csv:${noHeader}`);
  for (const ds of [h, n]) {
    assert.deepEqual(ds.x.shape, [40, 3]);
    assert.deepEqual([...ds.x.data.slice(0, 3)], [1.198, -1.324, -0.248].map(Math.fround));
    assert.ok(ds.notes!.some((x) => /decimal commas read as decimal points \(e\.g\. 1,198 = 1\.198\)/.test(x)));
    assert.ok(ds.notes!.some((x) => /delimiter ';' \(sniffed\)/.test(x)));
    assert.equal(ds.numClasses, 4);
  }
  assert.deepEqual(h.classNames, ['other', 'setosa', 'versicolor', 'virginica']);
  // the label columns of both files (species names, class numbers) partition the samples alike
  for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) assert.equal(h.y[i] === h.y[j], n.y[i] === n.y[j]);
});

test('case csv-decimal-comma: delimiter sniffing, thousands separators, tabs, and the ambiguous comma', { skip }, async () => {
  assert.equal(sniffDelimiter('1,5;2,5;0\n3,5;4,5;1\n'), ';');
  assert.equal(sniffDelimiter('1.5,2.5,0\n3.5,4.5,1\n'), ',');
  assert.equal(sniffDelimiter('a\tb\tlabel\n1,5\t2\t0\n'), '\t');
  const d = parseCsv('u;v;label\n1.234,5;-0,5;a\n2,0;1e2;b\n');
  assert.deepEqual([...d.x.data], [1234.5, -0.5, 2, 100]);
  // a decimal comma in a comma-separated file: a ragged row, said with the delimiter used
  await expectGeolensError(() => parseCsv('u,v,label\n1,5,2,a\n3,4,b\n', { name: 'c.csv' }), 'BAD_FILE', /c\.csv: line 2 has 4 columns/, /delimiter ','/);
  // quoted, it is read
  assert.deepEqual([...parseCsv('u,v,label\n"1,5",2,a\n3,4,b\n').x.data], [1.5, 2, 3, 4]);
});

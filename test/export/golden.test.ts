// Golden outputs for the fixture findings: any change to the CSV or ECS shape shows up as a
// diff of these files (update deliberately with `vitest -u`, like Zeek's btest -U).
import { describe, expect, it } from 'vitest';
import { csvHeader, csvRow } from '../../src/export/csv.js';
import { jsonlLine } from '../../src/export/jsonl.js';
import { formatTable } from '../../src/export/table.js';
import { makeFindings } from './fixtures.js';

describe('golden outputs', () => {
  const findings = makeFindings();
  it('CSV', async () => {
    await expect(csvHeader() + findings.map(csvRow).join('')).toMatchFileSnapshot('./golden/findings.csv');
  });
  it('JSON lines', async () => {
    await expect(findings.map(jsonlLine).join('')).toMatchFileSnapshot('./golden/findings.jsonl');
  });
  it('table at 140 columns', async () => {
    await expect(formatTable(findings, { width: 140 })).toMatchFileSnapshot('./golden/findings-140.txt');
  });
});

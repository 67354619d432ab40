import { describe, expect, it } from 'vitest';
import { csvNumber, resultToCsv } from '../../web/src/lib/result-csv.ts';

describe('csvNumber', () => {
  it.each([
    [0.1 + 0.2, '0.3'],
    [0.1 + 0.7, '0.8'],
    [12.300000000000001, '12.3'],
    [486.28484222007785, '486.284842220078'],
    [40443.22770301003, '40443.22770301'],
  ])('drops binary noise from %s', (value, expected) => {
    expect(csvNumber(value)).toBe(expected);
  });

  it.each([
    [0.0773, '0.0773'],
    [75.09, '75.09'],
    [1.005, '1.005'],
    [0.123456789012345, '0.123456789012345'],
    [-2.5, '-2.5'],
    [1e-7, '1e-7'],
  ])('keeps every real digit of %s', (value, expected) => {
    expect(csvNumber(value)).toBe(expected);
    expect(Number(csvNumber(value))).toBe(value);
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [4_000, '4000'],
    [2 ** 53 + 2, '9007199254740994'],
  ])('writes the whole number %s exactly', (value, expected) => {
    expect(csvNumber(value)).toBe(expected);
  });

  it('keeps the largest double finite', () => {
    expect(csvNumber(Number.MAX_VALUE)).toBe(String(Number.MAX_VALUE));
  });
});

describe('resultToCsv', () => {
  const columns = [
    { name: 'attribute_value', dataType: 'STRING' as const },
    { name: 'overlap_rate', dataType: 'DOUBLE' as const },
    { name: 'index', dataType: 'DOUBLE' as const },
  ];

  it('writes numbers without binary noise', () => {
    const csv = resultToCsv(columns, [['18-24', 0.1 + 0.2, 114.08]]);

    expect(csv).toBe('attribute_value,overlap_rate,index\r\n18-24,0.3,114.08\r\n');
  });

  it('quotes fields with delimiters and leaves nulls empty', () => {
    const csv = resultToCsv(columns, [['say "hi", then', null, 1]]);

    expect(csv.split('\r\n')[1]).toBe('"say ""hi"", then",,1');
  });
});

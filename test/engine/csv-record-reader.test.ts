import { describe, expect, it } from 'vitest';
import { CsvRecordReader, type CsvRecord } from '../../src/adapters/engine/csv-record-reader.ts';

function readAll(text: string | Buffer, chunkSize = Number.MAX_SAFE_INTEGER): CsvRecord[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const reader = new CsvRecordReader({ delimiter: ',', quote: '"' });
  const records: CsvRecord[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    records.push(...reader.push(bytes.subarray(start, start + chunkSize)));
  }
  records.push(...reader.end());
  return records;
}

const lines = (records: CsvRecord[]) => records.map((record) => record.line);

describe('CsvRecordReader', () => {
  const messy = '\ufeffa,b\r\n"x\r\ny",1\r\n\r\n"q""r",2\rlast,3';

  it('counts CRLF, CR and quoted line breaks', () => {
    const records = readAll(messy);

    expect(lines(records)).toEqual([1, 2, 4, 5, 6]);
    expect(records.map((record) => record.fields)).toEqual([
      ['a', 'b'],
      ['x\r\ny', '1'],
      [''],
      ['q"r', '2'],
      ['last', '3'],
    ]);
  });

  it('gives the same records one byte at a time', () => {
    expect(readAll(messy, 1)).toEqual(readAll(messy));
  });

  it('marks an unterminated quote on its first line', () => {
    const records = readAll('a,b\n"open,1\nmore\n');

    expect(records[1]).toMatchObject({ line: 2, problem: 'UNTERMINATED_QUOTE' });
  });

  it('marks text after a closing quote', () => {
    const records = readAll('a,b\n"x"y,1\n"z" ,2\n');

    expect(records[1]?.problem).toBe('TEXT_AFTER_QUOTE');
    expect(records[2]).toMatchObject({ problem: null, fields: ['z', '2'] });
  });

  it('keeps a quote inside an unquoted field', () => {
    expect(readAll('a,b\nx"y,1\n')[1]?.fields).toEqual(['x"y', '1']);
  });

  it('marks invalid UTF-8 but keeps reading', () => {
    const records = readAll(
      Buffer.concat([
        Buffer.from('a,b\n'),
        Buffer.from([0xff, 0x2c, 0x31, 0x0a]),
        Buffer.from('ok,2\n'),
      ]),
    );

    expect(records[1]?.problem).toBe('INVALID_UTF8');
    expect(records[2]).toMatchObject({ line: 3, problem: null });
  });

  it('splits multi-byte characters across chunks', () => {
    expect(readAll('name\nJosé Ñúñez\n', 1)[1]?.fields).toEqual(['José Ñúñez']);
  });
});

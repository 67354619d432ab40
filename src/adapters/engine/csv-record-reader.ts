import { isUtf8 } from 'node:buffer';

/** A record of a CSV file with the physical line where it starts. */
export interface CsvRecord {
  /** 1-based physical line of the record's first byte; a quoted line break makes a record span lines. */
  line: number;
  fields: string[];
  /** Set when the record breaks the quoting rules, is too long or is not valid UTF-8; `fields` is then best effort. */
  problem: CsvRecordProblem | null;
}

export type CsvRecordProblem =
  'UNTERMINATED_QUOTE' | 'TEXT_AFTER_QUOTE' | 'INVALID_UTF8' | 'LINE_TOO_LONG';

export interface CsvRecordDialect {
  /** Single ASCII character. */
  delimiter: string;
  /** Single ASCII character; a doubled quote inside a quoted field is a literal quote. */
  quote: string;
}

/**
 * DuckDB 1.5 rejects lines longer than its default `max_line_size`, which
 * measured 2,000,000 bytes. This reader counts field bytes only, without
 * delimiters and quotes, so records right at the limit may be judged apart.
 */
export const MAX_RECORD_BYTES = 2_000_000;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

type State = 'FIELD_START' | 'UNQUOTED' | 'QUOTED' | 'QUOTE_IN_QUOTED' | 'AFTER_QUOTED';

/**
 * Splits CSV bytes into records and counts physical lines exactly, so that
 * import errors can name the line a user sees in an editor. LF, CRLF and a
 * lone CR each end one line, inside quoted fields too.
 *
 * The quoting rules follow DuckDB's `read_csv` in strict mode (DuckDB 1.5),
 * because DuckDB decides which rows are imported and this reader only
 * locates the rejected ones. A quote inside an unquoted field is a literal
 * character. Spaces may follow a closing quote, but any other text after a
 * closing quote makes the record malformed.
 *
 * NOTE: DuckDB sometimes treats a quote after leading spaces as opening a
 * quoted field. Such a record can get a different line error here, and the
 * import then logs that line errors are missing.
 */
export class CsvRecordReader {
  private readonly delimiter: number;
  private readonly quote: number;
  private state: State = 'FIELD_START';
  private line = 1;
  private recordLine = 1;
  private fields: string[] = [];
  private fieldParts: Buffer[] = [];
  private fieldStart = 0;
  private recordBytes = 0;
  private problem: CsvRecordProblem | null = null;
  /** The last byte seen was a CR, so an LF that follows belongs to the same line break. */
  private afterCr = false;
  /** File bytes held back until it is clear whether they start with a UTF-8 BOM. */
  private fileStart: Buffer | null = Buffer.alloc(0);
  private ready: CsvRecord[] = [];

  constructor(dialect: CsvRecordDialect) {
    this.delimiter = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quote.charCodeAt(0);
  }

  /**
   * Yields every record that ends inside `chunk`; the rest waits for the next
   * chunk or `end()`. The reader keeps views of `chunk`, so the caller must not
   * overwrite it.
   */
  *push(chunk: Buffer): Generator<CsvRecord> {
    const bytes = this.skipBom(chunk);
    if (bytes === null) return;
    this.fieldStart = 0;

    for (let index = 0; index < bytes.length; index++) {
      this.step(bytes[index] as number, bytes, index);
    }
    this.keepPart(bytes, bytes.length);

    const records = this.ready;
    this.ready = [];
    yield* records;
  }

  /** Yields the last record when the file does not end with a line break. */
  *end(): Generator<CsvRecord> {
    if (this.fileStart !== null && this.fileStart.length > 0) {
      // The file is shorter than a BOM, so its bytes are data.
      const bytes = this.fileStart;
      this.fileStart = null;
      yield* this.push(bytes);
    }

    const pending =
      this.state !== 'FIELD_START' || this.fields.length > 0 || this.fieldParts.length > 0;
    if (!pending) return;

    if (this.state === 'QUOTED') this.problem ??= 'UNTERMINATED_QUOTE';
    this.closeField();
    yield this.takeRecord();
  }

  /** Returns the bytes to parse, without a leading BOM, or null while a chunk too short to tell is held back. */
  private skipBom(chunk: Buffer): Buffer | null {
    if (this.fileStart === null) return chunk;

    const head = this.fileStart.length === 0 ? chunk : Buffer.concat([this.fileStart, chunk]);
    const couldBeBom = head.length < BOM.length && BOM.subarray(0, head.length).equals(head);
    if (couldBeBom) {
      this.fileStart = head;
      return null;
    }

    this.fileStart = null;
    return head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
  }

  private step(byte: number, bytes: Buffer, index: number): void {
    const afterCr = this.afterCr;
    this.afterCr = byte === CR;

    switch (this.state) {
      case 'FIELD_START':
        return this.stepFieldStart(byte, bytes, index, afterCr);
      case 'UNQUOTED':
        return this.stepUnquoted(byte, bytes, index);
      case 'QUOTED':
        return this.stepQuoted(byte, bytes, index, afterCr);
      case 'QUOTE_IN_QUOTED':
        return this.stepQuoteInQuoted(byte, bytes, index);
      case 'AFTER_QUOTED':
        return this.stepAfterQuoted(byte, index);
    }
  }

  private stepFieldStart(byte: number, bytes: Buffer, index: number, afterCr: boolean): void {
    const isLfOfCrlf = byte === LF && afterCr && this.fields.length === 0;
    if (isLfOfCrlf) {
      this.fieldStart = index + 1;
      return;
    }
    if (byte === this.quote) {
      this.state = 'QUOTED';
      this.fieldStart = index + 1;
      return;
    }
    this.state = 'UNQUOTED';
    this.stepUnquoted(byte, bytes, index);
  }

  private stepUnquoted(byte: number, bytes: Buffer, index: number): void {
    if (byte === this.delimiter) {
      this.closeUnquotedField(bytes, index);
      this.state = 'FIELD_START';
      this.fieldStart = index + 1;
      return;
    }
    if (byte === LF || byte === CR) {
      this.closeUnquotedField(bytes, index);
      this.endRecord(index);
    }
  }

  private stepQuoted(byte: number, bytes: Buffer, index: number, afterCr: boolean): void {
    if (byte === this.quote) {
      this.keepPart(bytes, index);
      this.state = 'QUOTE_IN_QUOTED';
      this.fieldStart = index + 1;
      return;
    }
    const isNewLine = byte === CR || (byte === LF && !afterCr);
    if (isNewLine) this.line++;
  }

  private stepQuoteInQuoted(byte: number, bytes: Buffer, index: number): void {
    if (byte === this.quote) {
      // A doubled quote is one literal quote, so the field's next part starts at the second one.
      this.state = 'QUOTED';
      this.fieldStart = index;
      return;
    }
    this.state = 'AFTER_QUOTED';
    this.stepAfterQuoted(byte, index);
  }

  private stepAfterQuoted(byte: number, index: number): void {
    if (byte === this.delimiter) {
      this.closeField();
      this.state = 'FIELD_START';
      this.fieldStart = index + 1;
      return;
    }
    if (byte === LF || byte === CR) {
      this.closeField();
      this.endRecord(index);
      return;
    }
    if (byte !== SPACE && byte !== TAB) this.problem ??= 'TEXT_AFTER_QUOTE';
  }

  /** Ends a record whose last field is closed. */
  private endRecord(index: number): void {
    this.ready.push(this.takeRecord());
    this.line++;
    this.recordLine = this.line;
    this.fieldStart = index + 1;
  }

  /** Keeps the current field's bytes from `fieldStart` up to `end`, which a later chunk may continue. */
  private keepPart(bytes: Buffer, end: number): void {
    const keeping = this.state === 'UNQUOTED' || this.state === 'QUOTED';
    if (!keeping || end <= this.fieldStart) return;

    if (!this.countRecordBytes(end - this.fieldStart)) return;
    // A view, not a copy: each chunk is a fresh buffer that callers do not reuse.
    this.fieldParts.push(bytes.subarray(this.fieldStart, end));
    this.fieldStart = end;
  }

  /** Adds `length` bytes to the record and returns false once it is too long to keep. */
  private countRecordBytes(length: number): boolean {
    this.recordBytes += length;
    if (this.recordBytes <= MAX_RECORD_BYTES) return true;

    // Only the line number matters for a record this long, so its bytes are not kept.
    this.problem ??= 'LINE_TOO_LONG';
    return false;
  }

  /** Ends an unquoted field at `end`; a field inside one chunk is decoded in place, which saves a copy per field. */
  private closeUnquotedField(bytes: Buffer, end: number): void {
    if (this.fieldParts.length > 0) {
      this.keepPart(bytes, end);
      this.closeField();
      return;
    }

    const start = this.fieldStart;
    const text = this.countRecordBytes(end - start) ? bytes.toString('utf8', start, end) : '';
    this.fields.push(this.checkUtf8(text, () => bytes.subarray(start, end)));
  }

  /** Ends a field from the parts kept so far. */
  private closeField(): void {
    const parts = this.fieldParts;
    if (parts.length === 0) {
      this.fields.push('');
      return;
    }

    this.fieldParts = [];
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    this.fields.push(this.checkUtf8(bytes.toString('utf8'), () => bytes));
  }

  /**
   * Marks the record when its bytes are not valid UTF-8. Decoding turns
   * invalid bytes into U+FFFD, so only text containing that character needs
   * the byte check.
   */
  private checkUtf8(text: string, bytes: () => Buffer): string {
    if (text.includes('\uFFFD') && !isUtf8(bytes())) this.problem ??= 'INVALID_UTF8';
    return text;
  }

  private takeRecord(): CsvRecord {
    const record = { line: this.recordLine, fields: this.fields, problem: this.problem };
    this.fields = [];
    this.recordBytes = 0;
    this.problem = null;
    this.state = 'FIELD_START';
    return record;
  }
}

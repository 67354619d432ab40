import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../domain/errors/app-error.ts';

/**
 * Streams an upload to `filePath`, never holding the file in memory, and
 * stops with IMPORT_TOO_LARGE past `maxBytes`. Returns the bytes written.
 */
export async function saveUpload(
  source: Readable,
  filePath: string,
  maxBytes: number,
): Promise<number> {
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        callback(
          new AppError(
            'IMPORT_TOO_LARGE',
            `The file is larger than the limit of ${maxBytes} bytes; split it or raise UPLOAD_MAX_BYTES.`,
            {
              details: { maxBytes },
            },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });

  await pipeline(source, limiter, createWriteStream(filePath));
  return bytes;
}

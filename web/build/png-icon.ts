import { crc32, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BACKGROUND = [0x0f, 0x6e, 0x6e, 0xff];
const FOREGROUND = [0xff, 0xff, 0xff, 0xff];

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}

/** Whether pixel (x, y) lies on the icon's mark: two overlapping square outlines, as two parties' data. */
function isMark(x: number, y: number, size: number): boolean {
  const stroke = Math.max(2, Math.round(size / 24));
  const side = Math.round(size * 0.4);
  const onOutline = (left: number, top: number) => {
    const inside = x >= left && x < left + side && y >= top && y < top + side;
    const innerSide = side - 2 * stroke;
    const inInner =
      x >= left + stroke &&
      x < left + stroke + innerSide &&
      y >= top + stroke &&
      y < top + stroke + innerSide;
    return inside && !inInner;
  };
  return (
    onOutline(Math.round(size * 0.2), Math.round(size * 0.2)) ||
    onOutline(Math.round(size * 0.4), Math.round(size * 0.4))
  );
}

/**
 * Encodes a square RGBA PNG of the app icon. The mark stays inside the
 * central 80% so the same image works as a maskable icon.
 */
export function renderPngIcon(size: number): Buffer {
  const rowLength = size * 4 + 1;
  const pixels = Buffer.alloc(rowLength * size);
  for (let y = 0; y < size; y++) {
    pixels[y * rowLength] = 0;
    for (let x = 0; x < size; x++) {
      const color = isMark(x, y, size) ? FOREGROUND : BACKGROUND;
      pixels.set(color, y * rowLength + 1 + x * 4);
    }
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

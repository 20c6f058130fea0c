import { crc32, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../replay/png-encode.js';

/**
 * A PNG decoder for what the report writes (8-bit RGB, not interlaced), written from the PNG specification
 * (ISO/IEC 15948, W3C PNG 2nd ed.) with Node's own zlib and CRC-32: it checks the signature, every chunk's CRC,
 * the chunk order and the header, undoes all five scanline filters, and returns the pixels.
 */
function decodePng(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data });
    at += 12 + length;
  }
  expect(chunks[0].type).toBe('IHDR');
  expect(chunks.at(-1)).toEqual({ type: 'IEND', data: Buffer.alloc(0) });
  const h = chunks[0].data;
  const width = h.readUInt32BE(0);
  const height = h.readUInt32BE(4);
  expect([...h.subarray(8)]).toEqual([8, 2, 0, 0, 0]); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 3;
  expect(raw.length).toBe((stride + 1) * height);
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= 3 ? rgb[y * stride + i - 3] : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + i] : 0;
      const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      expect(predictor, `filter type ${filter}`).toBeDefined();
      rgb[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, rgb };
}

describe('PNG encoder (the report\'s inline images)', () => {
  it('writes a 2x2 image a decoder reads back pixel for pixel', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    const png = encodePng(2, 2, rgb);
    expect(decodePng(png)).toEqual({ width: 2, height: 2, rgb });
  });

  it('round-trips any image, including one cut from a larger buffer (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 7 }), fc.integer(), (width, height, skip, seed) => {
        let s = seed >>> 0;
        const backing = new Uint8Array(skip + width * height * 3 + 5).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
        const rgb = backing.subarray(skip, skip + width * height * 3);
        expect(decodePng(encodePng(width, height, rgb))).toEqual({ width, height, rgb: Uint8Array.from(rgb) });
      }),
      { numRuns: 60 },
    );
  });
});

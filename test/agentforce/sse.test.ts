import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSseFrames, type SseFrame, SseParser } from '../../lambda/agentforce/index.js';

/** The reference's streamed turn (§2.3.2), shortened, with a multi-byte character in it. */
const STREAM = [
  'event: PROGRESS_INDICATOR',
  'id: 1736902935340-REQ',
  'data: {"message":{"type":"ProgressIndicator","message":"Working on it"}}',
  '',
  ': a comment line',
  'event: TEXT_CHUNK',
  'id: 1736902935340-REQ',
  'data: {"message":{"type":"TextChunk","message":"Here — ünïcode"}}',
  '',
  'event: END_OF_TURN',
  'id: 1736902935340-REQ',
  'data: {"message":{"type":"EndOfTurn"}}',
  '',
  '',
].join('\n');

const EXPECTED: SseFrame[] = [
  {
    event: 'PROGRESS_INDICATOR',
    id: '1736902935340-REQ',
    data: '{"message":{"type":"ProgressIndicator","message":"Working on it"}}',
  },
  {
    event: 'TEXT_CHUNK',
    id: '1736902935340-REQ',
    data: '{"message":{"type":"TextChunk","message":"Here — ünïcode"}}',
  },
  { event: 'END_OF_TURN', id: '1736902935340-REQ', data: '{"message":{"type":"EndOfTurn"}}' },
];

function parseAll(pieces: readonly string[]): SseFrame[] {
  const parser = new SseParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(text.slice(start, point));
    start = point;
  }
  pieces.push(text.slice(start));
  return pieces;
}

function bytesStream(bytes: Uint8Array, cuts: readonly number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  return new ReadableStream({
    start(controller) {
      let start = 0;
      for (const point of [...points, bytes.length]) {
        controller.enqueue(bytes.slice(start, point));
        start = point;
      }
      controller.close();
    },
  });
}

describe('Class: SseParser', () => {
  describe('Method: push', () => {
    it('returns the frames of a whole LF-terminated stream', () => {
      // Act
      const frames = parseAll([STREAM]);

      // Assess
      expect(frames).toEqual(EXPECTED);
    });

    it('returns the same frames for CRLF and CR line endings', () => {
      // Prepare
      const crlf = STREAM.replaceAll('\n', '\r\n');
      const cr = STREAM.replaceAll('\n', '\r');

      // Act
      const results = [parseAll([crlf]), parseAll([cr])];

      // Assess
      expect(results).toEqual([EXPECTED, EXPECTED]);
    });

    it('returns the same frames whatever the chunk boundaries (also between CR and LF)', () => {
      // Prepare
      const variants = [STREAM, STREAM.replaceAll('\n', '\r\n'), STREAM.replaceAll('\n', '\r')];

      // Act / Assess
      fc.assert(
        fc.property(
          fc.constantFrom(...variants),
          fc.array(fc.nat(), { maxLength: 12 }),
          (text, cuts) => {
            expect(parseAll(splitAt(text, cuts))).toEqual(EXPECTED);
          }
        ),
        { numRuns: 300 }
      );
    });

    it('returns one frame per character-by-character split of a CRLF stream', () => {
      // Prepare
      const crlf = STREAM.replaceAll('\n', '\r\n');

      // Act
      const frames = parseAll([...crlf]);

      // Assess
      expect(frames).toEqual(EXPECTED);
    });

    it('joins several data lines with a newline and drops only one space after the colon', () => {
      // Act
      const frames = parseAll(['data:a\ndata:  b\ndata\n\n']);

      // Assess
      expect(frames).toEqual([{ data: 'a\n b\n' }]);
    });

    it('ignores comments, unknown fields and events without data', () => {
      // Act
      const frames = parseAll([':keep-alive\n\nevent: PING\n\nretry: 10\nfoo: bar\ndata: x\n\n']);

      // Assess
      expect(frames).toEqual([{ data: 'x' }]);
    });

    it('keeps the id of each event to that event', () => {
      // Act
      const frames = parseAll(['id: 1\ndata: a\n\ndata: b\n\n']);

      // Assess
      expect(frames).toEqual([{ id: '1', data: 'a' }, { data: 'b' }]);
    });
  });

  describe('Method: end', () => {
    it('returns a last event that lacks its closing blank line', () => {
      // Prepare
      const parser = new SseParser();
      parser.push('event: INFORM\ndata: {"a":1}');

      // Act
      const frames = parser.end();

      // Assess
      expect(frames).toEqual([{ event: 'INFORM', data: '{"a":1}' }]);
    });
  });
});

describe('Function: readSseFrames', () => {
  it('returns the frames of a byte stream split anywhere, multi-byte characters included', async () => {
    // Prepare
    const bytes = new TextEncoder().encode(STREAM.replaceAll('\n', '\r\n'));

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 10 }), async (cuts) => {
        const frames: SseFrame[] = [];
        for await (const frame of readSseFrames(bytesStream(bytes, cuts))) frames.push(frame);
        expect(frames).toEqual(EXPECTED);
      }),
      { numRuns: 100 }
    );
  });

  it('drops a leading byte-order mark', async () => {
    // Prepare
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: x\n\n')]);

    // Act
    const frames: SseFrame[] = [];
    for await (const frame of readSseFrames(bytesStream(bytes, [1, 2]))) frames.push(frame);

    // Assess
    expect(frames).toEqual([{ data: 'x' }]);
  });

  it('cancels the body when the consumer stops early', async () => {
    // Prepare
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });

    // Act
    for await (const _frame of readSseFrames(body)) break;

    // Assess
    expect(cancelled).toBe(true);
  });
});

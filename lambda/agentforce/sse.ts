/** One server-sent event: the `event:` and `id:` fields and the joined `data:` lines. */
export interface SseFrame {
  readonly event?: string;
  readonly id?: string;
  readonly data: string;
}

/**
 * Incremental `text/event-stream` parser (WHATWG SSE rules): lines end in LF, CRLF or CR; a blank
 * line ends an event; `data:` lines are joined with `\n`; one space after the colon is dropped;
 * lines starting with `:` are comments. Text can be pushed in pieces split anywhere, including
 * between the CR and LF of one line ending.
 *
 * @example
 * const parser = new SseParser();
 * parser.push('event: INFORM\nda');
 * parser.push('ta: {"message":{}}\n\n'); // [{ event: 'INFORM', data: '{"message":{}}' }]
 */
export class SseParser {
  #buffer = '';
  #event: string | undefined;
  #id: string | undefined;
  #data: string[] = [];
  #started = false;
  /** The previous piece ended in CR, so an LF starting the next piece belongs to that line ending. */
  #skipLeadingLf = false;

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseFrame[] {
    let chunk = text;
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    if (this.#skipLeadingLf && chunk.length > 0) {
      if (chunk.startsWith('\n')) chunk = chunk.slice(1);
      this.#skipLeadingLf = false;
    }
    this.#buffer += chunk;
    const frames: SseFrame[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const char = this.#buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.#buffer.slice(start, i);
      if (char === '\r') {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer[i + 1] === '\n') i++;
        } else {
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
      const frame = this.#line(line);
      if (frame) frames.push(frame);
    }
    this.#buffer = this.#buffer.slice(start);
    return frames;
  }

  /**
   * Ends the stream. The SSE spec drops an event without its closing blank line; this returns it
   * instead, because losing the final INFORM of a turn to a missing terminator helps nobody.
   */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    if (this.#buffer !== '') {
      const frame = this.#line(this.#buffer);
      if (frame) frames.push(frame);
      this.#buffer = '';
    }
    const last = this.#dispatch();
    if (last) frames.push(last);
    return frames;
  }

  #line(line: string): SseFrame | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      default:
        // `retry:` and unknown fields carry nothing the client needs.
        break;
    }
    return undefined;
  }

  #dispatch(): SseFrame | undefined {
    const hasData = this.#data.length > 0;
    const frame: SseFrame | undefined = hasData
      ? {
          data: this.#data.join('\n'),
          ...(this.#event !== undefined && this.#event !== '' ? { event: this.#event } : {}),
          ...(this.#id !== undefined ? { id: this.#id } : {}),
        }
      : undefined;
    this.#event = undefined;
    this.#data = [];
    // Per the SSE spec the last event id persists across events; Salesforce repeats it anyway.
    return frame;
  }
}

/**
 * Reads an SSE response body to the end, yielding each event as it completes. Multi-byte UTF-8
 * sequences split across network chunks are decoded correctly. Stopping the iteration early
 * cancels the body.
 */
export async function* readSseFrames(
  body: ReadableStream<Uint8Array>
): AsyncGenerator<SseFrame, void, undefined> {
  const parser = new SseParser();
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

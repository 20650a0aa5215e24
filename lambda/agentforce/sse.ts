import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event: the `event:` and `id:` fields and the joined `data:` lines. */
export interface SseFrame {
  readonly event?: string;
  readonly id?: string;
  readonly data: string;
}

function toFrame(message: EventSourceMessage): SseFrame {
  return {
    data: message.data,
    ...(message.event ? { event: message.event } : {}),
    ...(message.id !== undefined ? { id: message.id } : {}),
  };
}

/**
 * Incremental `text/event-stream` parser: `eventsource-parser` (the WHATWG rules: LF, CRLF or CR
 * line endings, `data:` lines joined with `\n`, comments skipped), collecting the events each piece
 * of text completes. Text can be pushed in pieces split anywhere.
 *
 * @example
 * const parser = new SseParser();
 * parser.push('event: INFORM\nda');
 * parser.push('ta: {"message":{}}\n\n'); // [{ event: 'INFORM', data: '{"message":{}}' }]
 */
export class SseParser {
  #completed: SseFrame[] = [];
  readonly #parser = createParser({
    onEvent: (message) => {
      this.#completed.push(toFrame(message));
    },
  });

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseFrame[] {
    this.#parser.feed(text);
    return this.#take();
  }

  /**
   * Ends the stream. The SSE spec drops an event without its closing blank line; this returns it
   * instead, because losing the final INFORM of a turn to a missing terminator helps nobody.
   */
  end(): SseFrame[] {
    // Ending the last line and the event is exactly what the missing terminator would have done.
    this.#parser.feed('\n\n');
    this.#parser.reset();
    return this.#take();
  }

  #take(): SseFrame[] {
    const frames = this.#completed;
    this.#completed = [];
    return frames;
  }
}

/**
 * Reads an SSE response body to the end, yielding each event as it completes. Multi-byte UTF-8
 * sequences split across network chunks are decoded correctly, and a leading byte-order mark is
 * dropped. Stopping the iteration early cancels the body.
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

import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A TCP proxy on 127.0.0.1 in front of DynamoDB Local that plays the faults a real, flaky
 * DynamoDB produces and a mock cannot: a write that commits but whose answer arrives after the
 * SDK's request timeout (so the SDK retries a request that already took effect), and a stall in
 * which requests queue and then land after their sender gave up on them.
 *
 * Each HTTP request is framed from the client's stream (Content-Length bodies, as the SDK sends),
 * forwarded on its own upstream connection, and its answer written back with `Connection: close`.
 * A request is forwarded whether or not its sender is still connected: what DynamoDB received, it
 * applies.
 */

/** One request as the proxy saw it: the `X-Amz-Target` operation and the JSON body. */
export interface ProxiedRequest {
  /** `UpdateItem`, `GetItem`, … (the part of `X-Amz-Target` after the dot). */
  readonly operation: string;
  readonly body: string;
}

/** Picks requests out of the stream of requests. */
export type RequestMatcher = (request: ProxiedRequest) => boolean;

/** The store's release: the only update conditioned on holding the lease and nothing else. */
export const isRelease: RequestMatcher = ({ operation, body }) =>
  operation === 'UpdateItem' && body.includes('"ConditionExpression":"#leaseId = :leaseId"');

/** The store's lease acquire: the update that takes `:leaseExpiresAt`. */
export const isAcquire: RequestMatcher = ({ operation, body }) =>
  operation === 'UpdateItem' && body.includes('":leaseExpiresAt"');

/** A fault armed on the `nth` matching request (1 = the next one); used up once it fires. */
interface ArmedFault {
  readonly match: RequestMatcher;
  nth: number;
  readonly kind: 'delay-response' | 'stall';
  readonly ms: number;
}

export interface DynamoProxy {
  /** `http://127.0.0.1:PORT`, for `createDocumentClient({ endpoint })`. */
  readonly endpoint: string;
  /** What passed through, for assertions and figures. */
  readonly stats: {
    requests: number;
    byOperation: Record<string, number>;
    /** Answers held back by `delayResponse`. */
    delayed: number;
    /** Requests held by a stall. */
    stalled: number;
    /** Answers that found their sender gone (it had timed out and retried). */
    answersDropped: number;
  };
  /** Forwards the `nth` matching request at once but holds its answer for `ms`. */
  delayResponse(match: RequestMatcher, ms: number, nth?: number): void;
  /** From the `nth` matching request on, holds every request for `ms`, then forwards them in order. */
  stallFrom(match: RequestMatcher, ms: number, nth?: number): void;
  /** Holds every request from now on for `ms`. */
  stall(ms: number): void;
  /** Resolves once every held request was forwarded and answered (or its answer dropped). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Starts a proxy to `target` (`http://127.0.0.1:PORT` of DynamoDB Local).
 *
 * @example
 * const proxy = await startDynamoProxy(inject('dynamoDbEndpoint'));
 * proxy.delayResponse(isRelease, 2_500);
 */
export async function startDynamoProxy(target: string): Promise<DynamoProxy> {
  const upstream = new URL(target);
  const upstreamPort = Number(upstream.port);
  const faults: ArmedFault[] = [];
  let stallUntil = 0;
  const inFlight = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const stats: DynamoProxy['stats'] = {
    requests: 0,
    byOperation: {},
    delayed: 0,
    stalled: 0,
    answersDropped: 0,
  };

  /** The fault the request triggers, if any; counts down every armed fault it matches. */
  function trigger(request: ProxiedRequest): ArmedFault | undefined {
    for (const fault of faults) {
      if (!fault.match(request)) continue;
      fault.nth--;
      if (fault.nth === 0) {
        faults.splice(faults.indexOf(fault), 1);
        return fault;
      }
    }
    return undefined;
  }

  async function exchange(client: Socket, head: string, body: Buffer): Promise<void> {
    const target = /^x-amz-target:\s*[^.\r\n]*\.(\w+)/im.exec(head)?.[1] ?? 'unknown';
    const request = { operation: target, body: body.toString('utf8') };
    stats.requests++;
    stats.byOperation[target] = (stats.byOperation[target] ?? 0) + 1;
    const fault = trigger(request);
    if (fault?.kind === 'stall') stallUntil = Math.max(stallUntil, Date.now() + fault.ms);
    const holdMs = stallUntil - Date.now();
    if (holdMs > 0) {
      stats.stalled++;
      await sleep(holdMs);
    }
    const answer = await forward(head, body);
    if (fault?.kind === 'delay-response') {
      stats.delayed++;
      await sleep(fault.ms);
    }
    if (client.destroyed || !client.writable) {
      stats.answersDropped++;
      return;
    }
    client.end(answer);
  }

  /** Sends one request on a fresh connection and returns the whole answer, rewritten to close. */
  function forward(head: string, body: Buffer): Promise<Buffer> {
    const lines = head.split('\r\n').filter((line) => !/^connection:/i.test(line));
    const request = Buffer.concat([
      Buffer.from(`${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`),
      body,
    ]);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(upstreamPort, '127.0.0.1', () => socket.write(request));
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        const raw = Buffer.concat(chunks);
        const end = raw.indexOf(HEADER_END);
        if (end < 0) return resolve(raw);
        const answerHead = raw
          .subarray(0, end)
          .toString('latin1')
          .split('\r\n')
          .filter((line) => !/^connection:/i.test(line));
        resolve(
          Buffer.concat([
            Buffer.from(`${answerHead.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1'),
            raw.subarray(end + HEADER_END.length),
          ])
        );
      });
    });
  }

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let taken = false;
    client.on('data', (chunk: Buffer) => {
      if (taken) return;
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(HEADER_END);
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? '0');
      const start = end + HEADER_END.length;
      if (buffered.length < start + length) return;
      // One request per client connection: the answer closes it.
      taken = true;
      const done = exchange(client, head, buffered.subarray(start, start + length))
        .catch(() => {
          client.destroy();
        })
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    delayResponse(match, ms, nth = 1) {
      faults.push({ match, nth, kind: 'delay-response', ms });
    },
    stallFrom(match, ms, nth = 1) {
      faults.push({ match, nth, kind: 'stall', ms });
    },
    stall(ms) {
      stallUntil = Math.max(stallUntil, Date.now() + ms);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

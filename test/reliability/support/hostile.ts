import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import fc from 'fast-check';
import type { FunctionUrlResult } from '../../../lambda/http/function-url.js';
import { TOOL_NAMES } from '../../../lambda/mcp/tools/index.js';
import { type FunctionUrlHandler, lambdaContext } from '../../../local/function-url-event.js';

/** The server's tools and a few real MCP methods, so generated calls often get deep. */
export const TOOLS = TOOL_NAMES;

/**
 * Arguments that pass every tool's input schema (each ignores what it does not take), so a probe
 * of another owner's email reaches the owner check instead of stopping at [INVALID_INPUT].
 */
export const anyToolArguments = (clientEmail: string, message: string) => ({
  client_email: clientEmail,
  message,
  feedback_id: 'probe-1',
  rating: 'BAD',
});

const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'logging/setLevel',
  'completion/complete',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/roots/list_changed',
] as const;

/**
 * Stack frames, file paths and the class names of internal errors: what a response must never
 * contain unless the caller sent it in (then it is an echo, not a leak).
 */
const INTERNAL_DETAIL: readonly RegExp[] = [
  /\bat (?:async )?[\w$.<>[\]]+ \(/,
  /\bat (?:file|node):/,
  /file:\/\//,
  /(?:\/work\/|\/home\/|\/var\/task\/|\/var\/runtime\/|\/opt\/nodejs|\/tmp\/|node_modules)/,
  /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|EvalError|URIError|ZodError|DOMException|AbortError|TimeoutError)\b/,
  /\b(?:StateError|StoreUnavailableError|LeaseBusyError|AgentSessionLockedError|SessionLimitError|LeaseLostError|NoSessionError|ConversationError|ToolDeadlineError|CredentialsUnavailableError|FailedWithPatch|SessionNotSavedError|SessionSaveUncertainError|TurnNotSentError)\b/,
  /\b(?:AgentforceError|AgentforceAuthError|AgentforceConfigError|UpstreamError|MalformedResponseError|RateLimitedError|DeadlineExceededError|SessionNotFoundError|AgentNotFoundError|BadRequestError)\b/,
  /\b(?:ConditionalCheckFailedException|ProvisionedThroughputExceededException|ThrottlingException|ResourceNotFoundException|ValidationException|UnrecognizedClientException|InternalServiceError)\b/,
  /\bError: /,
];

/**
 * Internal details in `text` that are not an echo of `input`; `secrets` are strings that must
 * never appear at all (table name, upstream URL, tokens).
 */
export function internalDetails(
  text: string,
  input = '',
  secrets: readonly string[] = []
): string[] {
  const found: string[] = [];
  for (const pattern of INTERNAL_DETAIL) {
    const match = pattern.exec(text)?.[0];
    if (match !== undefined && !input.includes(match)) found.push(match);
  }
  for (const secret of secrets) if (secret && text.includes(secret)) found.push(secret);
  return found;
}

/** Mostly valid JSON-RPC ids, so most generated requests get past the envelope check. */
const id = fc.oneof(
  { arbitrary: fc.integer(), weight: 5 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 3 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }
);

const clientEmail = fc.oneof(
  fc.emailAddress(),
  fc.stringMatching(/^[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,10}\.(com|org|io)$/),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'a@b',
    '@example.com',
    'a@@b.com',
    'A@B.COM ',
    `${'x'.repeat(300)}@e.com`
  ),
  fc.jsonValue({ maxDepth: 2 })
);

const message = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.lorem({ maxCount: 12 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    '   ',
    '\u0000',
    '</script><script>alert(1)</script>',
    ['$', '{jndi:ldap://x}'].join(''),
    "' OR 1=1 --"
  ),
  fc.jsonValue({ maxDepth: 2 })
);

const toolArguments = fc.oneof(
  { arbitrary: fc.record({ client_email: clientEmail, message }, { requiredKeys: [] }), weight: 4 },
  {
    arbitrary: fc.record(
      {
        client_email: clientEmail,
        message,
        constructor: fc.jsonValue({ maxDepth: 1 }),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] }
    ),
    weight: 2,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 }
);

const toolCall = fc.record(
  {
    jsonrpc: fc.constant('2.0'),
    id,
    method: fc.constant('tools/call'),
    params: fc.record(
      {
        name: fc.oneof(fc.constantFrom(...TOOLS), fc.string({ maxLength: 40 })),
        arguments: toolArguments,
        _meta: fc.oneof(
          {
            arbitrary: fc.record({ progressToken: fc.oneof(fc.string(), fc.integer()) }),
            weight: 4,
          },
          { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }
        ),
      },
      { requiredKeys: ['name', 'arguments'] }
    ),
  },
  { requiredKeys: ['jsonrpc', 'method', 'params'] }
);

const rpc = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.jsonValue({ maxDepth: 1 })),
    id,
    method: fc.oneof(
      fc.constantFrom(...METHODS),
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 1 })
    ),
    params: fc.jsonValue({ maxDepth: 3 }),
    result: fc.jsonValue({ maxDepth: 2 }),
    error: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] }
);

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` times, optionally inside a tools/call. */
const deeplyNested = fc
  .record({
    depth: fc.integer({ min: 1, max: 120_000 }),
    kind: fc.constantFrom('array', 'object'),
    where: fc.constantFrom('body', 'params', 'argument'),
  })
  .map(({ depth, kind, where }) => {
    const nested =
      kind === 'array'
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    if (where === 'body') return nested;
    if (where === 'params')
      return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${nested}}`;
    return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-session-status","arguments":{"client_email":"deep@example.com","x":${nested}}}}`;
  });

/** Valid JSON near and past the 1 MiB body limit, mostly one huge string. */
const huge = fc
  .record({
    size: fc.integer({ min: 900_000, max: 1_200_000 }),
    where: fc.constantFrom('message', 'email', 'method', 'padding'),
  })
  .map(({ size, where }) => {
    const blob = 'x'.repeat(size);
    const args =
      where === 'message'
        ? { client_email: 'huge@example.com', message: blob }
        : where === 'email'
          ? { client_email: `${blob}@example.com`, message: 'hi' }
          : { client_email: 'huge@example.com', message: 'hi' };
    return JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: where === 'method' ? blob : 'tools/call',
      params: {
        name: 'get-session-status',
        arguments: args,
        ...(where === 'padding' ? { blob } : {}),
      },
    });
  });

/** Hand-written bodies that target parsers and prototypes. */
const crafted = fc.constantFrom(
  '{"__proto__":{"isAdmin":true},"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-session-status","arguments":{"__proto__":{"client_email":"x@example.com"}}}}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"constructor","arguments":{}}}',
  '{"jsonrpc":"2.0","id":1,"method":"__proto__"}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-session-status","arguments":"x@example.com"}}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/list","id":2}',
  '\ufeff{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":1e400,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":1,"method":"tools/list"}{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
  '[[]]',
  '[{}]',
  '[null]',
  ''
);

/** Every shape of body a hostile or broken client may POST, as text or raw bytes. */
export const hostileBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: crafted, weight: 1 },
  { arbitrary: toolCall.map((value) => JSON.stringify(value)), weight: 4 },
  { arbitrary: rpc.map((value) => JSON.stringify(value)), weight: 3 },
  {
    arbitrary: fc
      .array(fc.oneof({ arbitrary: toolCall, weight: 4 }, { arbitrary: rpc, weight: 1 }), {
        maxLength: 12,
      })
      .map((value) => JSON.stringify(value)),
    weight: 2,
  },
  { arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
  { arbitrary: deeplyNested, weight: 1 },
  { arbitrary: huge, weight: 1 }
);

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

/** Headers a client may send: the ones the server reads, with wild values, plus random extras. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.record(
      {
        'content-type': fc.oneof(
          {
            arbitrary: fc.constantFrom(
              'application/json',
              'application/json; charset=utf-8',
              'APPLICATION/JSON'
            ),
            weight: 4,
          },
          {
            arbitrary: fc.constantFrom(
              'application/json-seq',
              'text/plain',
              'multipart/form-data; boundary=x',
              ''
            ),
            weight: 1,
          },
          { arbitrary: fc.string({ maxLength: 40 }), weight: 1 }
        ),
        accept: fc.oneof(
          {
            arbitrary: fc.constantFrom(
              'application/json, text/event-stream',
              'application/json',
              '*/*'
            ),
            weight: 4,
          },
          {
            arbitrary: fc.constantFrom('text/event-stream', 'text/html', '', 'application/*;q=0'),
            weight: 1,
          },
          { arbitrary: fc.string({ maxLength: 40 }), weight: 1 }
        ),
        'mcp-protocol-version': fc.oneof(
          {
            arbitrary: fc.constantFrom('2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'),
            weight: 4,
          },
          { arbitrary: fc.constantFrom('1999-01-01', '', '2025-06-18, 2025-03-26'), weight: 1 },
          { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }
        ),
        'mcp-session-id': fc.string({ maxLength: 60 }),
        'content-length': fc.oneof(
          fc.nat({ max: 5_000 }).map(String),
          fc.constantFrom('-1', '1e9', 'NaN', '99999999999', '0x10'),
          fc.string({ maxLength: 10 })
        ),
        'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x'),
        'transfer-encoding': fc.constantFrom('chunked', 'gzip', 'identity'),
        authorization: fc.oneof(fc.string({ maxLength: 60 }), fc.constant('Bearer ')),
        cookie: fc.string({ maxLength: 60 }),
        'last-event-id': fc.string({ maxLength: 20 }),
        'x-forwarded-for': fc.string({ maxLength: 30 }),
      },
      { requiredKeys: [] }
    ),
    fc.dictionary(
      headerName,
      fc.oneof(
        { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
        { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 }
      ),
      { maxKeys: 4 }
    )
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

/** The Function URL event fields a broken caller or proxy could get wrong. */
export const hostileEvent: fc.Arbitrary<LambdaFunctionURLEvent> = fc
  .record({
    method: fc.oneof(
      fc.constantFrom(
        'POST',
        'GET',
        'PUT',
        'DELETE',
        'OPTIONS',
        'HEAD',
        'PATCH',
        'TRACE',
        'CONNECT',
        'post',
        ''
      ),
      fc.string({ maxLength: 10 })
    ),
    rawPath: fc.oneof(
      fc.constantFrom(
        '/mcp',
        '/mcp/',
        '/MCP',
        '//mcp',
        '/mcp/../mcp',
        '/health',
        '/.well-known/oauth-protected-resource/mcp',
        '',
        'mcp'
      ),
      fc.webPath(),
      fc.string({ maxLength: 30 })
    ),
    rawQueryString: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
    body: fc.option(hostileBody, { freq: 4 }),
    encoding: fc.constantFrom(
      'base64-flagged',
      'plain',
      'plain-flagged-base64',
      'base64-unflagged'
    ),
    headers: fc.option(hostileHeaders, { freq: 6 }),
    host: fc.option(
      fc.oneof(
        fc.constantFrom('127.0.0.1', 'localhost:3000', '[::1]', 'evil.example'),
        fc.string({ maxLength: 20 })
      ),
      {
        freq: 2,
      }
    ),
    cookies: fc.option(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 })),
    dropRequestContext: fc.boolean(),
  })
  .map((e) => {
    const text =
      e.body === null
        ? undefined
        : typeof e.body === 'string'
          ? e.body
          : Buffer.from(e.body).toString('latin1');
    const bytes =
      e.body === null
        ? undefined
        : typeof e.body === 'string'
          ? Buffer.from(e.body)
          : Buffer.from(e.body);
    let body: string | undefined;
    let isBase64Encoded: boolean;
    switch (e.encoding) {
      case 'base64-flagged':
        body = bytes?.toString('base64');
        isBase64Encoded = true;
        break;
      case 'plain':
        body = text;
        isBase64Encoded = false;
        break;
      case 'plain-flagged-base64':
        body = text;
        isBase64Encoded = true;
        break;
      default:
        body = bytes?.toString('base64');
        isBase64Encoded = false;
    }
    const headers =
      e.headers === null
        ? undefined
        : { ...(e.host === null ? { host: '127.0.0.1:3000' } : { host: e.host }), ...e.headers };
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: e.rawPath,
      rawQueryString: e.rawQueryString,
      headers,
      ...(e.cookies ? { cookies: e.cookies } : {}),
      requestContext: e.dropRequestContext
        ? undefined
        : {
            accountId: 'anonymous',
            apiId: 'fuzz',
            domainName: '127.0.0.1:3000',
            domainPrefix: 'fuzz',
            http: {
              method: e.method,
              path: e.rawPath,
              protocol: 'HTTP/1.1',
              sourceIp: '127.0.0.1',
              userAgent: 'fuzz',
            },
            requestId: 'fuzz',
            routeKey: '$default',
            stage: '$default',
            time: new Date().toISOString(),
            timeEpoch: Date.now(),
          },
      ...(body === undefined ? {} : { body }),
      isBase64Encoded,
    };
    return event as unknown as LambdaFunctionURLEvent;
  });

/** A POST /mcp event with `body` and `headers` over sane defaults, as the Function URL sends it. */
export function postEvent(
  body: string | Uint8Array,
  headers: Record<string, string> = {}
): LambdaFunctionURLEvent {
  const merged: Record<string, string> = {
    host: '127.0.0.1:3000',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...headers,
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/mcp',
    rawQueryString: '',
    headers: merged,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'fuzz',
      domainName: '127.0.0.1:3000',
      domainPrefix: 'fuzz',
      http: {
        method: 'POST',
        path: '/mcp',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'fuzz',
      },
      requestId: 'fuzz',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  } as LambdaFunctionURLEvent;
}

/** What one invocation came to: the result, or the rejection a crashed Lambda would have had. */
export type Invocation =
  | { readonly crashed: false; readonly result: FunctionUrlResult; readonly ms: number }
  | { readonly crashed: true; readonly error: unknown; readonly ms: number };

/** Invokes the handler once, never throwing. */
export async function invoke(
  handler: FunctionUrlHandler,
  event: LambdaFunctionURLEvent,
  context: Context = lambdaContext(30_000)
): Promise<Invocation> {
  const started = performance.now();
  try {
    const result = await handler(event, context);
    return { crashed: false, result, ms: performance.now() - started };
  } catch (error) {
    return { crashed: true, error, ms: performance.now() - started };
  }
}

/**
 * Everything wrong with one invocation's answer: a crash, a 5xx, a body that is not the JSON it
 * claims to be, or an internal detail. Empty when the answer is acceptable.
 */
export function answerProblems(
  invocation: Invocation,
  input: string,
  secrets: readonly string[] = []
): string[] {
  if (invocation.crashed) return [`crashed: ${String(invocation.error)}`];
  const { result } = invocation;
  const problems: string[] = [];
  const status = result.statusCode ?? 200;
  if (status >= 500) problems.push(`status ${status}`);
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString('utf8')
    : (result.body ?? '');
  const contentType = String(result.headers?.['content-type'] ?? '');
  if (body !== '' && /json/i.test(contentType)) {
    try {
      JSON.parse(body);
    } catch {
      problems.push('body is not the JSON its content-type says');
    }
  }
  for (const detail of internalDetails(body, input, secrets))
    problems.push(`internal detail: ${detail}`);
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    for (const detail of internalDetails(`${name}: ${value}`, input, secrets)) {
      problems.push(`internal detail in header ${name}: ${detail}`);
    }
  }
  return problems;
}

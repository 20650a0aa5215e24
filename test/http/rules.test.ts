import { describe, expect, it } from 'vitest';
import { resourceUrlOf } from '../../lambda/auth/protected-resource.js';
import {
  acceptDecision,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  corsHeaders,
  hostName,
  isHostAllowed,
  isHostSyntax,
  isJsonContentType,
  isOriginAllowed,
  logSafe,
  mediaTypes,
  PREFLIGHT_HEADERS,
} from '../../lambda/http/rules.js';

describe('Function: isHostSyntax', () => {
  const HOSTS: [host: string, plain: boolean][] = [
    ['example.com', true],
    ['Example.COM:443', true],
    ['example.com.', true],
    ['localhost:3000', true],
    ['127.0.0.1:8080', true],
    ['[::1]:3000', true],
    ['[2001:db8::1]', true],
    [' example.com ', true],
    ['', false],
    ['evil.example/mcp?.abc.on.aws', false],
    ['evil.example#x', false],
    ['user@example.com', false],
    ['evil.example", x="y', false],
    ['[::1', false],
  ];

  it.each(HOSTS)('returns %j -> %s', (host, expected) => {
    // Act
    const result = isHostSyntax(host);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(HOSTS)(
    'is the rule of the allowlist and of the resource URL (%j -> %s)',
    (host, plain) => {
      // Prepare
      const request = new Request('https://fallback.example/mcp', { headers: { 'x-host': host } });
      // A Request refuses to carry some of these in `host`; the header object is built by hand.
      Object.defineProperty(request, 'headers', { value: new Map([['host', host]]) });

      // Act
      const allowed = isHostAllowed(host, [hostName(host) || 'nothing']);
      const echoed = resourceUrlOf(request, undefined) !== 'https://fallback.example/mcp';

      // Assess
      expect({ allowed, echoed }).toEqual({ allowed: plain, echoed: plain });
    }
  );
});

describe('Constant: CORS header lists', () => {
  it('returns the same lists in the preflight answer and the exposed headers', () => {
    // Act
    const allow = PREFLIGHT_HEADERS['access-control-allow-headers']?.split(', ');
    const expose =
      corsHeaders('https://app.example.com')['access-control-expose-headers']?.split(', ');

    // Assess
    expect(allow).toEqual([...CORS_ALLOW_HEADERS]);
    expect(expose).toEqual([...CORS_EXPOSE_HEADERS]);
  });
});

describe('Function: mediaTypes', () => {
  it('drops parameters and lower-cases', () => {
    expect(mediaTypes('Application/JSON; charset=utf-8, text/event-stream;q=0.9')).toEqual([
      'application/json',
      'text/event-stream',
    ]);
  });

  it('returns nothing for a missing header', () => {
    expect(mediaTypes(null)).toEqual([]);
  });

  it('separates with commas only, as an HTTP list does', () => {
    expect(mediaTypes('application/json text/html')).toEqual(['application/json text/html']);
    expect(isJsonContentType('application/json garbage')).toBe(false);
  });
});

describe('Function: acceptDecision', () => {
  it.each([
    ['application/json, text/event-stream', 'as-is'],
    ['text/event-stream, application/json;q=0.9', 'as-is'],
    ['application/json', 'normalize'],
    ['*/*', 'normalize'],
    ['application/*', 'normalize'],
    [null, 'normalize'],
    ['text/event-stream', 'reject'],
    ['text/html', 'reject'],
  ] as const)('returns %s -> %s', (accept, decision) => {
    expect(acceptDecision(accept)).toBe(decision);
  });
});

describe('Function: isJsonContentType', () => {
  it('accepts application/json with parameters and rejects look-alikes', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/jsonp')).toBe(false);
    expect(isJsonContentType('text/plain, application/json')).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});

describe('Function: isHostAllowed', () => {
  const allowed = ['127.0.0.1', 'localhost', '[::1]', '*.lambda-url.eu-west-1.on.aws'];

  it('ignores the port and matches exact names', () => {
    expect(isHostAllowed('127.0.0.1:3000', allowed)).toBe(true);
    expect(isHostAllowed('LOCALHOST', allowed)).toBe(true);
    expect(isHostAllowed('[::1]:3000', allowed)).toBe(true);
  });

  it('matches wildcard suffixes only on a label boundary', () => {
    expect(isHostAllowed('abc.lambda-url.eu-west-1.on.aws', allowed)).toBe(true);
    expect(isHostAllowed('evillambda-url.eu-west-1.on.aws', allowed)).toBe(false);
  });

  it('refuses a Host that only ends like an allowed one but is not a host name', () => {
    expect(isHostAllowed('evil.example/mcp?.abc.lambda-url.eu-west-1.on.aws', allowed)).toBe(false);
    expect(isHostAllowed('evil.example#.abc.lambda-url.eu-west-1.on.aws', allowed)).toBe(false);
    expect(isHostAllowed('user@abc.lambda-url.eu-west-1.on.aws', allowed)).toBe(false);
  });

  it('refuses other hosts and a missing Host, and allows all when no list is set', () => {
    expect(isHostAllowed('evil.example.com', allowed)).toBe(false);
    expect(isHostAllowed(null, allowed)).toBe(false);
    expect(isHostAllowed('anything', [])).toBe(true);
  });

  it('returns the bare host name', () => {
    expect(hostName('Example.com:443')).toBe('example.com');
  });
});

describe('Function: isOriginAllowed', () => {
  it('matches exact origins or a star', () => {
    expect(isOriginAllowed('http://localhost:6274', ['http://localhost:6274'])).toBe(true);
    expect(isOriginAllowed('http://localhost:6275', ['http://localhost:6274'])).toBe(false);
    expect(isOriginAllowed('https://x.example', ['*'])).toBe(true);
    expect(isOriginAllowed('null', [])).toBe(false);
  });

  it("allows the request's own origin only when the Host passed an allowlist", () => {
    const hosts = ['127.0.0.1'];
    expect(
      isOriginAllowed('http://127.0.0.1:3000', [], {
        host: '127.0.0.1:3000',
        allowedHosts: hosts,
        protocol: 'http:',
      })
    ).toBe(true);
    expect(
      isOriginAllowed('http://127.0.0.1:3001', [], {
        host: '127.0.0.1:3000',
        allowedHosts: hosts,
        protocol: 'http:',
      })
    ).toBe(false);
    // Same host, other scheme: another origin (RFC 6454 §4), so not same-origin.
    expect(
      isOriginAllowed('https://127.0.0.1:3000', [], {
        host: '127.0.0.1:3000',
        allowedHosts: hosts,
        protocol: 'http:',
      })
    ).toBe(false);
    expect(
      isOriginAllowed('http://api.example.com', [], {
        host: 'api.example.com',
        allowedHosts: ['api.example.com'],
        protocol: 'https:',
      })
    ).toBe(false);
    // A rebinding page: attacker Host and matching Origin, no host allowlist to stop it.
    expect(
      isOriginAllowed('http://evil.example', [], {
        host: 'evil.example',
        allowedHosts: [],
        protocol: 'http:',
      })
    ).toBe(false);
    expect(
      isOriginAllowed('http://evil.example', [], {
        host: 'evil.example',
        allowedHosts: hosts,
        protocol: 'http:',
      })
    ).toBe(false);
  });
});

describe('Function: logSafe', () => {
  it('keeps a printable value of 100 characters whole', () => {
    const value = 'h'.repeat(100);

    expect(logSafe(value)).toBe(value);
  });

  it('cuts a longer value to 100 characters ending in an ellipsis', () => {
    const logged = logSafe('h'.repeat(101));

    expect(logged).toHaveLength(100);
    expect(logged.endsWith('h…')).toBe(true);
  });

  it('replaces control and non-ASCII characters with ?', () => {
    expect(logSafe('a\u0000b\u001bc\u00e9d\u202ee')).toBe('a?b?c?d?e');
  });

  it('reports a missing header as (none)', () => {
    expect(logSafe(null)).toBe('(none)');
  });
});

import { describe, expect, it } from 'vitest';
import { targetUrl } from '../../local/http-edge.js';

describe('Function: targetUrl', () => {
  it.each([
    ['/mcp', '127.0.0.1:3000', 'http://127.0.0.1:3000/mcp'],
    ['/mcp?x=1', 'localhost', 'http://localhost/mcp?x=1'],
    ['/health', '[::1]:3000', 'http://[::1]:3000/health'],
    ['http://127.0.0.1:3000/mcp', 'ignored.example', 'http://127.0.0.1:3000/mcp'],
    ['HTTP://LOCALHOST:3000/mcp', undefined, 'http://localhost:3000/mcp'],
  ])('returns the URL of %s with Host %s', (target, host, url) => {
    expect(targetUrl(target, host)).toEqual({ url });
  });

  it.each([
    ['*', '127.0.0.1'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['/mcp', '[::1'],
    ['/mcp', '127.0.0.1:99999'],
    ['/mcp', undefined],
    ['/mcp', 'evil.example/x?.on.aws'],
    ['https://127.0.0.1/mcp', '127.0.0.1'],
    ['http://user:pw@127.0.0.1/mcp', '127.0.0.1'],
    ['http://[::1/mcp', '127.0.0.1'],
  ])('returns a problem for target %s with Host %s', (target, host) => {
    expect(targetUrl(target, host)).toEqual({ problem: expect.any(String) });
  });
});

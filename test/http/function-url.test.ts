import { describe, expect, it } from 'vitest';
import { toFunctionUrlResult, toWebRequest } from '../../lambda/http/function-url.js';
import { toFunctionUrlEvent, toWebResponse } from '../../local/function-url-event.js';

describe('Function: toWebRequest', () => {
  it('decodes a base64 body and keeps headers, query and cookies', async () => {
    // Prepare
    const event = toFunctionUrlEvent({
      method: 'POST',
      url: 'https://abc.lambda-url.eu-west-1.on.aws/mcp?x=1',
      headers: { 'Content-Type': 'application/json', Cookie: 'a=1; b=2' },
      body: '{"hello":"wörld"}',
    });

    // Act
    const request = toWebRequest(event);

    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(request.url).toBe('https://abc.lambda-url.eu-west-1.on.aws/mcp?x=1');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.get('cookie')).toBe('a=1; b=2');
    expect(await request.text()).toBe('{"hello":"wörld"}');
  });

  it('takes a plain-text body as is', async () => {
    const event = toFunctionUrlEvent({ method: 'POST', url: 'https://h/mcp', body: '{}' });
    event.body = '{"a":1}';
    event.isBase64Encoded = false;
    expect(await toWebRequest(event).text()).toBe('{"a":1}');
  });

  it.each([
    ['a Function URL domain', 'abc.lambda-url.eu-west-1.on.aws', undefined, 'https:'],
    [
      'a Function URL domain with a loopback Host header',
      'abc.lambda-url.eu-west-1.on.aws',
      '127.0.0.1:3000',
      'https:',
    ],
    ['the local server on 127.0.0.1', '127.0.0.1:3000', undefined, 'http:'],
    ['the local server on [::1]', '[::1]:3000', undefined, 'http:'],
    ['the local server on localhost', 'localhost:3000', undefined, 'http:'],
  ])('uses the scheme the server is served on for %s', (_name, domainName, host, protocol) => {
    // Prepare: the scheme follows requestContext.domainName, which the caller cannot set.
    const event = toFunctionUrlEvent({ method: 'GET', url: `http://${domainName}/mcp` });
    if (host) event.headers.host = host;

    // Act
    const request = toWebRequest(event);

    // Assess
    expect(new URL(request.url).protocol).toBe(protocol);
  });

  it('drops a body sent with GET instead of throwing', () => {
    const event = toFunctionUrlEvent({ method: 'GET', url: 'https://h/mcp', body: 'ignored' });
    expect(toWebRequest(event).method).toBe('GET');
  });
});

describe('Function: toFunctionUrlResult', () => {
  it('returns JSON as text and cookies separately', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('set-cookie', 'a=1');
    const result = await toFunctionUrlResult(new Response('{"ok":true}', { status: 201, headers }));
    expect(result).toMatchObject({
      statusCode: 201,
      body: '{"ok":true}',
      isBase64Encoded: false,
      cookies: ['a=1'],
    });
    expect(await toWebResponse(result).json()).toEqual({ ok: true });
  });

  it('base64-encodes a binary body so no byte is lost', async () => {
    const bytes = new Uint8Array([0, 255, 128]);
    const result = await toFunctionUrlResult(
      new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })
    );
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body ?? '', 'base64')).toEqual(Buffer.from(bytes));
  });
});

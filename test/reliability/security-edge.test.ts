import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../interop/processes.js';
import { type AuthRig, CLIENT_A, startAuthRig } from './support/auth-rig.js';
import { reportFigures } from './support/figures.js';

/**
 * The `npm start` edge (issue 12): the real local server as a child process, spoken to over raw
 * sockets, since `fetch` cannot send a broken target or `Host`.
 */

const MAX_BODY_BYTES = 1_048_576;
const FLOOD_BYTES = 256 * 1024 * 1024;

let server: LocalServer;
let port: number;
const workDir = mkdtempSync(join(tmpdir(), 'mcp-edge-'));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The server's resident memory in MB, from the kernel. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/**
 * Sends `head` (request line and headers, CRLF-terminated by this function), then `bodyBytes` of
 * `{` in 64 KiB chunks (chunked encoding unless the head declares a length), and resolves with
 * the status code and the milliseconds until the status line arrived. Stops sending once answered.
 */
function rawRequest(
  head: string,
  bodyBytes = 0
): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let answered = false;
    const chunked = bodyBytes > 0 && !/content-length:/i.test(head);
    const chunk = Buffer.alloc(64 * 1024, '{');
    socket.on('connect', async () => {
      socket.write(`${head}${chunked ? 'Transfer-Encoding: chunked\r\n' : ''}\r\n`);
      for (let sent = 0; sent < bodyBytes && !answered && !socket.destroyed; sent += chunk.length) {
        const piece = chunked
          ? Buffer.concat([
              Buffer.from(`${chunk.length.toString(16)}\r\n`),
              chunk,
              Buffer.from('\r\n'),
            ])
          : chunk;
        if (!socket.write(piece)) await new Promise((drained) => socket.once('drain', drained));
      }
      if (chunked && !answered && !socket.destroyed) socket.write('0\r\n\r\n');
    });
    socket.on('data', (data) => {
      text += data.toString('utf8');
      if (!answered && /\r\n\r\n/.test(text)) {
        answered = true;
        const ms = performance.now() - started;
        setTimeout(() => {
          socket.destroy();
          resolve({ status: Number(text.split(' ')[1]), ms, text });
        }, 50);
      }
    });
    // The server closes after a refusal while the client may still be writing.
    socket.on('error', (err) => (answered ? undefined : reject(err)));
  });
}

/** `npm start` in a scratch directory (no `.env`), on `env` over the defaults. */
async function startServer(name: string, env: Record<string, string>): Promise<LocalServer> {
  return startLocalServer({
    name,
    cwd: workDir,
    logDir: workDir,
    env: {
      ...process.env,
      AUTH_MODE: 'none',
      // No table is touched by what this file sends: skip DynamoDB Local's JVM.
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ...env,
    },
  });
}

beforeAll(async () => {
  port = await freePort();
  server = await startServer('edge', {
    PORT: String(port),
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('Security (fast): the npm start edge (issue 12)', () => {
  it('answers a 256 MiB chunked body with 413 after reading about MAX_BODY_BYTES, and its memory stays flat', async () => {
    // Prepare
    const before = rssMb(server.pid);

    // Act
    const answer = await rawRequest(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`,
      FLOOD_BYTES
    );
    const growthMb = rssMb(server.pid) - before;

    // Assess
    reportFigures('npm start: 256 MiB chunked body', {
      status: answer.status,
      ms: Math.round(answer.ms),
      rssBeforeMb: Math.round(before),
      rssGrowthMb: Math.round(growthMb * 10) / 10,
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain(`the body exceeds ${MAX_BODY_BYTES} bytes`);
    expect(answer.ms).toBeLessThan(5_000);
    expect(growthMb).toBeLessThan(64);
  });

  it('answers a declared Content-Length over the limit with 413 before reading any of it', async () => {
    const answer = await rawRequest(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${FLOOD_BYTES}\r\n`,
      FLOOD_BYTES
    );

    reportFigures('npm start: declared 256 MiB body', {
      status: answer.status,
      ms: Math.round(answer.ms),
    });
    expect(answer.status).toBe(413);
  });

  it.each([
    ['an asterisk target', 'POST * HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
    ['an unclosed IPv6 Host', 'POST /mcp HTTP/1.1\r\nHost: [::1\r\n'],
    ['a Host port over 65535', 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n'],
    ['a missing Host', 'POST /mcp HTTP/1.1\r\n'],
    ['an https absolute target', 'POST https://127.0.0.1/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
    ['an authority-form target', 'POST 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
  ])('answers %s with 400, never 502', async (_name, head) => {
    const answer = await rawRequest(`${head}Content-Length: 0\r\n`);

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('Bad Request');
  });

  it('serves an absolute-form target with its own authority, ignoring Host (RFC 9112 §3.2.2)', async () => {
    const answer = await rawRequest(
      `GET http://127.0.0.1:${port}/health HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n`
    );

    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"status":"ok"');
  });

  it('serves a body of exactly MAX_BODY_BYTES (the limit is inclusive)', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"ping"}`.padEnd(MAX_BODY_BYTES, ' ');
    const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body,
    });

    expect(response.status).not.toBe(413);
    expect(response.status).toBeLessThan(500);
  });
});

describe('Security (fast): small edges of the HTTP rules (issue 12)', () => {
  it('admits a Function URL Host (*.on.aws, the sample events) by default and refuses another', async () => {
    const functionUrl = await rawRequest(
      `GET /health HTTP/1.1\r\nHost: abc.lambda-url.us-east-1.on.aws\r\nConnection: close\r\n`
    );
    const other = await rawRequest(
      `GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n`
    );

    expect(functionUrl.status).toBe(200);
    expect(other.status).toBe(403);
  });

  describe('served on http://127.0.0.1 in jwt mode', () => {
    let auth: AuthRig;
    beforeAll(async () => {
      auth = await startAuthRig();
    });
    afterAll(() => auth.close());

    it('names http:// (the scheme it is served on) in the challenge and the metadata', async () => {
      // Act
      const refused = await fetch(auth.rig.server.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });
      const challenge = refused.headers.get('www-authenticate') ?? '';
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] ?? '';
      const metadata = await fetch(metadataUrl);

      // Assess: both name a URL that answers, not an https:// one nobody serves.
      expect(refused.status).toBe(401);
      expect(metadataUrl).toBe(
        `${auth.rig.server.origin}/.well-known/oauth-protected-resource/mcp`
      );
      expect(metadata.status).toBe(200);
      expect(await metadata.json()).toMatchObject({ resource: auth.rig.server.mcpUrl.href });
    });

    it("counts the request's own origin as same-origin only with the same scheme", async () => {
      const post = (origin: string) =>
        fetch(auth.rig.server.mcpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
        });

      const same = await post(auth.rig.server.origin);
      const otherScheme = await post(auth.rig.server.origin.replace('http:', 'https:'));

      // Same origin passes the Origin rule and meets the token check; the https twin does not.
      expect(same.status).toBe(401);
      expect(otherScheme.status).toBe(403);
    });
  });
});

describe('Security (fast): tokens bound to this server (issue 12)', () => {
  it('refuses to cold-start jwt mode with only a client allowlist, naming AUTH_AUDIENCE', async () => {
    const start = startServer('jwt-unbound', {
      PORT: String(await freePort()),
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: 'https://idp.example.com',
      AUTH_JWKS_URL: 'https://idp.example.com/jwks',
      AUTH_CLIENT_IDS: CLIENT_A,
      AUTH_REQUIRED_SCOPE: 'mcp.invoke',
    });

    await expect(start).rejects.toThrow(
      /exited with 1 before listening[\s\S]*AUTH_AUDIENCE: is required when AUTH_MODE=jwt/
    );
  });

  it('accepts a resource-server scope as the binding, and refuses a token of the same client for another API', async () => {
    // Prepare: no audience; the scope names this resource server (Cognito style).
    const scope = 'agentforce-mcp/mcp.invoke';
    const auth = await startAuthRig({ AUTH_AUDIENCE: '', AUTH_REQUIRED_SCOPE: scope });
    try {
      const post = async (claims: Record<string, unknown>) =>
        fetch(auth.rig.server.mcpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${await auth.issuer.sign({ client_id: CLIENT_A, sub: CLIENT_A, ...claims })}`,
          },
          body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
        });

      // Act
      const forUs = await post({ scope });
      const forOtherApi = await post({ scope: 'billing-api/read', aud: 'https://billing.example' });

      // Assess
      expect(forUs.status).toBe(200);
      expect(forOtherApi.status).toBe(403);
    } finally {
      await auth.close();
    }
  });
});

// The mcp-use client's side of the interop conversation, run by test/interop/run.ts with
// `node <install-dir>/conversation.mjs URL EMAIL` from a run-time install of the pinned mcp-use
// (too large for a devDependency). Prints one JSON line: the tools it listed, each call's result,
// and every HTTP exchange it made. Plain JS: it runs outside the repository's node_modules.
import { MCPClient } from 'mcp-use/client';

const [url, clientEmail] = process.argv.slice(2);
const exchanges = [];
const realFetch = globalThis.fetch;
// mcp-use's HTTP connector calls the global fetch: count what it sends and how it was answered.
globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  exchanges.push({
    method: init?.method ?? 'GET',
    status: response.status,
    body: typeof init?.body === 'string' ? init.body : '',
  });
  return response;
};

const client = new MCPClient({ mcpServers: { agentforce: { url } } });
const out = { tools: [], results: [], exchanges };
try {
  const session = await client.createSession('agentforce');
  out.tools = (await session.listTools()).map(({ name, outputSchema }) => ({ name, outputSchema }));
  for (const message of ['Hello', 'And on Sundays?']) {
    const result = await session.callTool('complete-agentforce-conversation', {
      client_email: clientEmail,
      message,
    });
    out.results.push({ structuredContent: result.structuredContent, isError: result.isError });
  }
} catch (err) {
  out.error = String(err);
} finally {
  await client.closeAllSessions().catch(() => undefined);
}
process.stdout.write(`${JSON.stringify(out)}\n`);

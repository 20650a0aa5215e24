import { readFile } from 'node:fs/promises';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { lambdaContext } from '../../local/function-url-event.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ env: { ALLOWED_HOSTS: '*.lambda-url.us-east-1.on.aws' } });
});
afterAll(() => harness.close());

interface RpcBody {
  result: {
    protocolVersion?: string;
    tools?: unknown[];
    isError?: boolean;
    structuredContent?: { messages?: { feedback_id: string }[] };
  };
  error: { code: number };
}

/** Reads a sample event; `args` replaces tool arguments (the feedback_id only a turn can give). */
const invoke = async (name: string, args: Record<string, unknown> = {}) => {
  const event = JSON.parse(await readFile(`events/${name}.json`, 'utf8')) as LambdaFunctionURLEvent;
  if (Object.keys(args).length > 0 && event.body) {
    const rpc = JSON.parse(event.body) as { params: { arguments: Record<string, unknown> } };
    Object.assign(rpc.params.arguments, args);
    event.body = JSON.stringify(rpc);
  }
  const result = await harness.handler(event, lambdaContext(30_000));
  return {
    ...result,
    json: result.body ? (JSON.parse(result.body) as RpcBody) : undefined,
  };
};

describe('Sample events (events/*.json)', () => {
  it('initialize negotiates 2025-06-18', async () => {
    const result = await invoke('initialize');
    expect(result.statusCode).toBe(200);
    expect(result.json?.result.protocolVersion).toBe('2025-06-18');
  });

  it('tools/list lists every registered tool', async () => {
    const result = await invoke('tools-list');
    expect(result.json?.result.tools).toHaveLength(TOOL_NAMES.length);
  });

  it('runs one tools/call per tool, in conversation order, without a tool error', async () => {
    const order = [
      'authenticate',
      'create-agent-session',
      'send-message-to-agent',
      'get-session-status',
      'submit-agent-feedback',
      'complete-agentforce-conversation',
      'end-agent-session',
    ];
    // A new tool needs a sample event (local/make-events.ts) and a place in this order.
    expect([...order].sort()).toEqual([...TOOL_NAMES].sort());
    let feedbackId = '';
    for (const tool of order) {
      const name = `call-${tool}`;
      const result = await invoke(
        name,
        tool === 'submit-agent-feedback' ? { feedback_id: feedbackId } : {}
      );
      feedbackId ||= result.json?.result.structuredContent?.messages?.[0]?.feedback_id ?? '';
      expect(result.statusCode, name).toBe(200);
      expect(result.json?.result.isError, name).toBeFalsy();
      expect(result.json?.result.structuredContent, name).toBeDefined();
    }
  });

  it('answers the malformed request with a JSON-RPC parse error and GET with 405', async () => {
    const malformed = await invoke('malformed-json');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json?.error.code).toBe(-32700);
    expect((await invoke('get-not-allowed')).statusCode).toBe(405);
  });
});

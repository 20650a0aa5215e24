/**
 * The conformance suite's fixture tools (`@modelcontextprotocol/conformance`, the scenarios'
 * "Server Implementation Requirements"), for the test-only fixture server
 * (conformance-fixture-server.ts): registered next to the real tools on the same app and HTTP
 * edge, so that the scenarios calling them test our transport and edge instead of failing on a
 * missing tool. Never imported by `lambda/` (test/interop/fixture-isolation.test.ts checks the
 * Lambda bundle).
 *
 * They add tools only, never a capability: the fixture server advertises exactly what production
 * does (tools, `listChanged: false`; no logging, prompts or resources), so a scenario that needs
 * more stays baselined with its reason rather than passing on a server we do not ship.
 */
import {
  type CallToolResult,
  type InputRequiredResult,
  inputRequired,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Tool } from '../../lambda/mcp/define-tool.js';
import { MRTR_FIXTURES } from './conformance-mrtr-fixtures.js';

type Result = CallToolResult;
type Content = Result['content'][number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 1x1 red PNG. */
const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A valid 8 kHz, 8-bit mono WAV: 44-byte RIFF header and 8 samples of silence. */
function silentWav(): string {
  const samples = 8;
  const wav = Buffer.alloc(44 + samples, 0x80);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8_000, 24); // sample rate
  wav.writeUInt32LE(8_000, 28); // byte rate
  wav.writeUInt16LE(1, 32); // block align
  wav.writeUInt16LE(8, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples, 40);
  return wav.toString('base64');
}

const text = (value: string): Content => ({ type: 'text', text: value });
const image = (): Content => ({ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' });
const resource = (uri: string, mimeType: string, body: string): Content => ({
  type: 'resource',
  resource: { uri, mimeType, text: body },
});

const noArguments = z.object({});

/** A fixture as the registry's `Tool`: the suite's exact name, no arguments, a fixed handler. */
function fixture(
  name: string,
  description: string,
  run: (ctx: ServerContext) => Promise<Result | InputRequiredResult> | Result | InputRequiredResult
): Tool {
  return {
    name,
    title: name,
    summary: description,
    inputSchema: () => noArguments,
    register(server: McpServer) {
      server.registerTool(name, { description, inputSchema: noArguments }, (_args, ctx) =>
        run(ctx)
      );
    },
  };
}

/** `tools-call-with-progress`: 0, 50, 100 of 100, about 50 ms apart, when a token is given. */
async function withProgress(ctx: ServerContext): Promise<Result> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  for (const progress of [0, 50, 100]) {
    if (progressToken !== undefined) {
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, total: 100 },
      });
    }
    if (progress < 100) await sleep(50);
  }
  return { content: [text('Progress test completed.')] };
}

/**
 * `server-stateless` (2026-07-28, SEP-2575): a tool that needs the client's sampling capability.
 * It asks for it the 2026-07-28 way (an input-required result); the SDK must refuse with -32021
 * (HTTP 400) when the request's `_meta` does not declare sampling.
 */
function needsSampling(): InputRequiredResult {
  return inputRequired({
    inputRequests: {
      sample: inputRequired.createMessage({
        messages: [{ role: 'user', content: { type: 'text', text: 'Say hello.' } }],
        maxTokens: 10,
      }),
    },
  });
}

/**
 * `server-stateless`: the response stream of a request that needs client input carries only the
 * input-required result (and notifications), never an independent server-to-client request.
 */
function needsElicitation(): InputRequiredResult {
  return inputRequired({
    inputRequests: {
      confirm: inputRequired.elicit({
        message: 'Please confirm.',
        requestedSchema: {
          type: 'object',
          properties: { ok: { type: 'boolean' } },
          required: ['ok'],
        },
      }),
    },
  });
}

/** `server-stateless`: logs only go out when the request set a log level (none here: no logging). */
async function logsAtInfo(ctx: ServerContext): Promise<Result> {
  await ctx.mcpReq.log('info', 'Tool execution started');
  return { content: [text('Logging tool completed.')] };
}

/** Every fixture, by the name its scenarios call. */
export const FIXTURE_TOOLS: readonly Tool[] = [
  fixture('test_simple_text', 'Returns one text block (conformance fixture).', () => ({
    content: [text('This is a simple text response for testing.')],
  })),
  fixture('test_error_handling', 'Always answers a tool error (conformance fixture).', () => ({
    isError: true,
    content: [text('This tool intentionally returns an error for testing')],
  })),
  fixture('test_image_content', 'Returns a 1x1 PNG (conformance fixture).', () => ({
    content: [image()],
  })),
  fixture('test_audio_content', 'Returns a short WAV (conformance fixture).', () => ({
    content: [{ type: 'audio' as const, data: silentWav(), mimeType: 'audio/wav' }],
  })),
  fixture('test_embedded_resource', 'Returns an embedded resource (conformance fixture).', () => ({
    content: [
      resource('test://embedded-resource', 'text/plain', 'This is an embedded resource content.'),
    ],
  })),
  fixture(
    'test_multiple_content_types',
    'Returns text, an image and a resource (conformance fixture).',
    () => ({
      content: [
        text('Multiple content types test:'),
        image(),
        resource(
          'test://mixed-content-resource',
          'application/json',
          '{"test":"data","value":123}'
        ),
      ],
    })
  ),
  fixture(
    'test_tool_with_progress',
    'Reports progress 0, 50, 100 (conformance fixture).',
    withProgress
  ),
  fixture(
    'test_missing_capability',
    'Needs the sampling capability (conformance fixture).',
    needsSampling
  ),
  fixture(
    'test_streaming_elicitation',
    'Asks the client to confirm (conformance fixture).',
    needsElicitation
  ),
  fixture('test_logging_tool', 'Logs at info level (conformance fixture).', logsAtInfo),
  ...MRTR_FIXTURES.map(([name, description, run]) =>
    fixture(name, `${description} (conformance fixture, multi-round-trip)`, run)
  ),
];

/** The names of {@link FIXTURE_TOOLS}: what the Lambda bundle must never contain. */
export const FIXTURE_TOOL_NAMES: readonly string[] = FIXTURE_TOOLS.map((tool) => tool.name);

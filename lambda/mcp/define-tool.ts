import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { InvalidToolInputError } from './errors.js';
import type { ToolCall, ToolRequest, ToolSettings } from './tool-context.js';
import { runTool, success } from './tool-result.js';

/** What a tool file declares: its MCP metadata, its schemas and its body. */
export interface ToolSpec<Input extends z.ZodObject, Output extends z.ZodRawShape> {
  /** Kebab-case: Agentforce accepts only a narrow tool-name charset. */
  readonly name: string;
  /** Shown by clients in their tool lists; also the annotations' title. */
  readonly title: string;
  /** What the model reads to choose the tool: one line, ASCII, at most 1000 characters (Agentforce). */
  readonly description: string;
  /** One verb phrase for the server instructions, e.g. "ends the client's session". */
  readonly summary: string;
  readonly annotations: Required<Omit<ToolAnnotations, 'title'>>;
  /** The input schema for a container's settings (built once per settings object). */
  readonly input: (settings: ToolSettings) => Input;
  /** The output schema's fields: flat primitives, or one array of flat objects (Agentforce). */
  readonly output: Output;
  /** The tool's work. Business failures are thrown as typed errors; the error table words them. */
  readonly run: (
    input: z.output<Input>,
    call: ToolCall
  ) => Promise<{ readonly structured: z.output<z.ZodObject<Output>>; readonly text: string }>;
}

/** A tool as the registry holds it. */
export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** The schema the tool validates its arguments with (its JSON Schema is what `tools/list` shows). */
  readonly inputSchema: (settings: ToolSettings) => z.ZodObject;
  /** Registers the tool on a fresh per-request server. */
  readonly register: (server: McpServer, settings: ToolSettings, request: ToolRequest) => void;
}

/**
 * What the SDK is given as the input schema: one that accepts any arguments object but advertises
 * the real schema's exact JSON Schema. The SDK's own validation would answer a bad argument with
 * `MCP error -32602: Input validation error: …` and a zod dump; validating in the tool instead gives
 * the caller the same `[INVALID_INPUT]` sentence as every other tool error. The conversion runs
 * once per schema (once per container), not on every `tools/list`. SDK v1 converts to draft-07,
 * hence the target here; `test/mcp/registry.test.ts` checks that `tools/list` shows exactly the real
 * schema's JSON Schema.
 */
function advertisedSchema(input: z.ZodObject): z.ZodType {
  const { $schema: _draft, ...jsonSchema } = z.toJSONSchema(input, {
    target: 'draft-7',
    io: 'input',
  });
  // `additionalProperties: undefined` drops the loose object's own `{}` from the JSON.
  return z.looseObject({}).meta({ ...jsonSchema, additionalProperties: undefined });
}

/** `field: problem` lines; zod messages are set on the schemas and never quote the value. */
function problems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
}

/**
 * Declares a tool. The registry (`tools/index.ts`) lists every tool once; the server, the
 * instructions and the tests read it.
 */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodRawShape>(
  spec: ToolSpec<Input, Output>
): Tool {
  // Schemas are costly to build and convert: once per container's settings, not per request.
  const schemas = new WeakMap<ToolSettings, { input: Input; advertised: z.ZodType }>();
  const schemasFor = (settings: ToolSettings) => {
    let built = schemas.get(settings);
    if (!built) {
      const input = spec.input(settings);
      built = { input, advertised: advertisedSchema(input) };
      schemas.set(settings, built);
    }
    return built;
  };
  return {
    name: spec.name,
    title: spec.title,
    summary: spec.summary,
    inputSchema: (settings) => schemasFor(settings).input,
    register(server, settings, request) {
      const { input, advertised } = schemasFor(settings);
      server.registerTool(
        spec.name,
        {
          title: spec.title,
          description: spec.description,
          inputSchema: advertised,
          outputSchema: spec.output,
          annotations: { title: spec.title, ...spec.annotations },
        },
        (args) =>
          runTool(
            spec.name,
            {
              toolDeadlineMs: settings.toolDeadlineMs,
              signal: request.signal,
              record: request.record,
            },
            async (signal) => {
              const parsed = input.safeParse(args);
              if (!parsed.success) throw new InvalidToolInputError(problems(parsed.error));
              const call = {
                conversations: settings.conversations,
                owner: request.owner,
                signal,
                variables: settings.variables,
              };
              const { structured, text } = await spec.run(parsed.data, call);
              return success(structured, text);
            }
          )
      );
    },
  };
}

import type { ChildProcess } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { endGroup, exited, spawnGroup } from './processes.js';

/**
 * A stdio client transport like the SDK's `StdioClientTransport`, except that the server process
 * leads its own process group and `close()` ends the whole group. A stdio bridge started through
 * `npx` (as Claude Desktop starts `mcp-remote`) would otherwise outlive the wrapper that npx is.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The last 8 KiB the process wrote to stderr, for failure reports. */
  stderr = '';
  readonly #command: string;
  readonly #args: readonly string[];
  readonly #options: { cwd: string; env: NodeJS.ProcessEnv };
  readonly #buffer = new ReadBuffer();
  #child: (ChildProcess & { pid: number }) | undefined;

  constructor(
    command: string,
    args: readonly string[],
    options: { cwd: string; env: NodeJS.ProcessEnv }
  ) {
    this.#command = command;
    this.#args = args;
    this.#options = options;
  }

  async start(): Promise<void> {
    const child = spawnGroup(this.#command, this.#args, { ...this.#options, stdin: 'pipe' });
    this.#child = child;
    child.on('error', (error) => this.onerror?.(error));
    child.once('exit', () => this.onclose?.());
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-8192);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#buffer.append(chunk);
      try {
        for (
          let message = this.#buffer.readMessage();
          message;
          message = this.#buffer.readMessage()
        ) {
          this.onmessage?.(message);
        }
      } catch (error) {
        this.onerror?.(error as Error);
      }
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin) throw new Error('transport not started');
    await new Promise<void>((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Ends stdin (a stdio server's cue to exit), waits up to 3 s, then ends the process group. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.stdin?.end();
    await Promise.race([exited(child), new Promise((resolve) => setTimeout(resolve, 3000))]);
    endGroup(child.pid);
    this.#buffer.clear();
  }
}

/**
 * `npm run invoke -- events/<file>.json`: runs the Lambda handler once on a Function URL event,
 * without Docker, against the same embedded defaults as `npm start`, and prints the result.
 */
import { readFile } from 'node:fs/promises';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { startLocalBackends } from './backends.js';
import { lambdaContext } from './function-url-event.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('Usage: npm run invoke -- events/<file>.json\n');
    process.exit(2);
  }
  const event = JSON.parse(await readFile(file, 'utf8')) as LambdaFunctionURLEvent;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const backends = await startLocalBackends();
  try {
    const result = await backends.handler(event, lambdaContext(backends.timeoutMs));
    let body: unknown = result.body;
    try {
      body = JSON.parse(result.body ?? '');
    } catch {
      // Not JSON: print as is.
    }
    process.stdout.write(`${JSON.stringify({ ...result, body }, null, 2)}\n`);
  } finally {
    await backends.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`Invoke failed: ${(err as Error).message}\n`);
  process.exit(1);
});

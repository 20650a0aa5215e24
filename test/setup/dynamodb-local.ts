import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/** One DynamoDB Local JVM for the whole run (it takes ~2 s to start); each test file creates its own table. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', ddb.endpoint);
  return () => ddb.stop();
}

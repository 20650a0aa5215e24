import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerCredentialsSource } from '../../lambda/secrets/credentials.js';
import { CredentialsNotSetError } from '../../lambda/secrets/errors.js';
import { PLACEHOLDER_CLIENT_ID } from '../../lambda/secrets/placeholder.js';
import { callTool, type Harness, startHarness, textOf } from '../helpers/harness.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:agentforce/sf-AbC123';
/** What the stack's generated secret holds before anyone runs put-secret-value. */
const PLACEHOLDER = {
  SALESFORCE_CLIENT_ID: PLACEHOLDER_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET: 'q8XkZ2mVb7Rt4Yh1Lp9Wc3Nd6Fs0Ga5J',
};

function secretsHolding(secret: Record<string, string>) {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    ARN: SECRET_ARN,
    SecretString: JSON.stringify(secret),
  });
  return { client, restore: () => mock.restore() };
}

describe('Class: SecretsManagerCredentialsSource', () => {
  let secrets: ReturnType<typeof secretsHolding> | undefined;
  let harness: Harness | undefined;
  afterEach(async () => {
    secrets?.restore();
    await harness?.close();
    harness = undefined;
  });

  describe('Method: get', () => {
    it('returns the stored credentials', async () => {
      // Prepare
      secrets = secretsHolding({
        SALESFORCE_CLIENT_ID: '3MVG9abc',
        SALESFORCE_CLIENT_SECRET: 's3cr3t',
      });
      const source = new SecretsManagerCredentialsSource({
        secretArn: SECRET_ARN,
        client: secrets.client,
      });

      // Act & Assess
      await expect(source.get()).resolves.toEqual({ clientId: '3MVG9abc', clientSecret: 's3cr3t' });
    });

    it('throws CredentialsNotSetError naming the secret while it holds the stack placeholder', async () => {
      // Prepare
      secrets = secretsHolding(PLACEHOLDER);
      const source = new SecretsManagerCredentialsSource({
        secretArn: SECRET_ARN,
        client: secrets.client,
      });

      // Act
      const read = source.get();

      // Assess
      await expect(read).rejects.toBeInstanceOf(CredentialsNotSetError);
      await expect(read).rejects.toMatchObject({ secretArn: SECRET_ARN });
      await expect(read).rejects.toThrow(`put-secret-value --secret-id ${SECRET_ARN}`);
      await expect(read).rejects.not.toThrow(PLACEHOLDER.SALESFORCE_CLIENT_SECRET);
    });
  });

  it('answers a tool call with CREDENTIALS_NOT_SET and the put-secret-value command, without calling Salesforce', async () => {
    // Prepare
    secrets = secretsHolding(PLACEHOLDER);
    harness = await startHarness({
      overrides: {
        credentials: new SecretsManagerCredentialsSource({
          secretArn: SECRET_ARN,
          client: secrets.client,
        }),
      },
    });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: 'first-user@example.com',
      message: 'hello',
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /aws secretsmanager put-secret-value --secret-id .*\[CREDENTIALS_NOT_SET\]$/
    );
    expect(textOf(result)).not.toContain(PLACEHOLDER.SALESFORCE_CLIENT_SECRET);
    expect(harness.simulator.counters.tokenRequests).toBe(0);
  });
});

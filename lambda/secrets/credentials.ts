import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { CredentialsSource, SalesforceCredentials } from '../agentforce/index.js';
import { CredentialsNotSetError, CredentialsUnavailableError } from './errors.js';
import { PLACEHOLDER_CLIENT_ID } from './placeholder.js';

const secretSchema = z.object({
  SALESFORCE_CLIENT_ID: z.string().min(1),
  SALESFORCE_CLIENT_SECRET: z.string().min(1),
});

/**
 * Credentials from a JSON secret in Secrets Manager (`{"SALESFORCE_CLIENT_ID": …,
 * "SALESFORCE_CLIENT_SECRET": …}`), cached per container. It is only read when a Salesforce token
 * must be fetched, so the warm path never calls Secrets Manager; the TTL lets a rotated secret
 * reach warm containers without a redeploy.
 *
 * @example
 * const source = new SecretsManagerCredentialsSource({ secretArn: config.secretArn });
 * const { clientId } = await source.get();
 */
export class SecretsManagerCredentialsSource implements CredentialsSource {
  readonly #secretArn: string;
  readonly #maxAgeSeconds: number;
  readonly #provider: SecretsProvider;

  constructor(options: {
    secretArn: string;
    maxAgeSeconds?: number;
    client?: SecretsManagerClient;
  }) {
    this.#secretArn = options.secretArn;
    this.#maxAgeSeconds = options.maxAgeSeconds ?? 300;
    this.#provider = options.client
      ? new SecretsProvider({ awsSdkV3Client: options.client })
      : new SecretsProvider();
  }

  async get(): Promise<SalesforceCredentials> {
    let raw: unknown;
    try {
      raw = await this.#provider.get(this.#secretArn, {
        maxAge: this.#maxAgeSeconds,
        transform: 'json',
      });
    } catch (err) {
      throw new CredentialsUnavailableError('The Salesforce credentials secret could not be read', {
        cause: err,
      });
    }
    const parsed = secretSchema.safeParse(raw);
    if (!parsed.success) {
      // Name the expected keys, never the values.
      throw new CredentialsUnavailableError(
        'The Salesforce credentials secret must be JSON with SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET'
      );
    }
    if (parsed.data.SALESFORCE_CLIENT_ID === PLACEHOLDER_CLIENT_ID) {
      throw new CredentialsNotSetError(this.#secretArn);
    }
    return {
      clientId: parsed.data.SALESFORCE_CLIENT_ID,
      clientSecret: parsed.data.SALESFORCE_CLIENT_SECRET,
    };
  }
}

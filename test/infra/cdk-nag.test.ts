import { Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { build, JWT_SETTINGS, removeSynthOutputs } from './synth.js';

afterAll(removeSynthOutputs);

describe('AwsSolutions checks (cdk-nag)', () => {
  it.each([
    ['cognito mode (default)', {}],
    ['jwt mode', JWT_SETTINGS],
    ['none mode', { authMode: 'none' }],
    [
      'an imported secret, destroy policy, CORS and streaming',
      {
        salesforceSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:agentforce/salesforce-AbC123',
        removalPolicy: 'destroy',
        allowedOrigins: 'http://localhost:6274',
        invokeMode: 'RESPONSE_STREAM',
        reservedConcurrency: 10,
      },
    ],
    [
      'alarm notifications, tracing and a secret under a customer managed key',
      {
        alarmEmail: 'ops@example.com',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pager',
        tracing: 'active',
        salesforceSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:agentforce/salesforce-AbC123',
        salesforceSecretKmsKeyArn:
          'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    ],
  ])('returns no unacknowledged finding for %s', { timeout: 60_000 }, (_name, settings) => {
    // Prepare
    const { app } = build(settings, { nag: true });

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).not.toThrow();
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  it('throws on synth when a finding is not acknowledged', () => {
    // Prepare: the same harness plus one secret nobody acknowledged.
    const { app, stack } = build({}, { nag: true });
    new Secret(Stack.of(stack), 'UnacknowledgedSecret');

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).toThrow(/AwsSolutions-SMG4/);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([
      expect.objectContaining({ ruleName: 'AwsSolutions-SMG4' }),
    ]);
  });
});

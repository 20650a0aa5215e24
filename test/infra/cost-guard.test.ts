import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStackConfig } from '../../infra/config.js';
import { systemLogProps } from '../../infra/cost-guard.js';
import { REQUIRED_SETTINGS, removeSynthOutputs, resourcesOf, synth } from './synth.js';

afterAll(removeSynthOutputs);

/** The request-volume alarm of a template. */
function requestAlarm(template: ReturnType<typeof synth>['template']) {
  const found = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(([id]) =>
    id.startsWith('ObservabilityFunctionUrlRequests')
  );
  expect(found).toHaveLength(1);
  return found[0]?.[1].Properties as { Threshold: number; MetricName: string; Namespace: string };
}

describe('Stack: the cost guard of the public Function URL', () => {
  it('returns a request-volume alarm at 30000 per 5 minutes, the refusal metric filter and no reserved concurrency by default', () => {
    // Act
    const { stack, template } = synth();

    // Assess
    expect(requestAlarm(template)).toMatchObject({
      Threshold: 30_000,
      MetricName: 'UrlRequestCount',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.message = "request") && ($.authRefused IS TRUE) }',
      MetricTransformations: [
        Match.objectLike({
          MetricNamespace: 'AgentforceMcp',
          MetricName: 'InboundAuthRefusals',
          MetricValue: '1',
          Dimensions: [{ Key: 'service', Value: '$.service' }],
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      ReservedConcurrentExecutions: Match.absent(),
      LoggingConfig: { LogGroup: Match.anyValue(), LogFormat: Match.absent() },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('reservedConcurrency'));
  });

  it('returns the configured threshold, WARN system logs and a quota warning naming 100 + N', () => {
    // Act
    const { stack, template } = synth({
      requestAlarmThreshold: '5000',
      systemLogLevel: 'warn',
      reservedConcurrency: 50,
    });

    // Assess
    expect(requestAlarm(template).Threshold).toBe(5_000);
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 50,
      LoggingConfig: Match.objectLike({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      }),
    });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('reservedConcurrency=50 needs .* at least 150')
    );
  });
});

describe('Function: systemLogProps', () => {
  it.each([
    ['INFO', 'INFO'],
    ['WARN', 'INFO'],
    ['ERROR', 'INFO'],
    ['DEBUG', 'DEBUG'],
    ['TRACE', 'TRACE'],
  ])(
    'keeps the application level at %s -> %s, never above INFO (EMF lines have no level)',
    (logLevel, expected) => {
      const config = parseStackConfig({ ...REQUIRED_SETTINGS, logLevel, systemLogLevel: 'WARN' });

      expect(String(systemLogProps(config).applicationLogLevelV2)).toBe(expected);
    }
  );

  it('returns no logging settings when systemLogLevel is not set', () => {
    expect(systemLogProps(parseStackConfig(REQUIRED_SETTINGS))).toEqual({});
  });

  it.each([
    ['requestAlarmThreshold', '10'],
    ['systemLogLevel', 'ERROR'],
  ])('throws naming %s for %s', (key, value) => {
    expect(() => parseStackConfig({ ...REQUIRED_SETTINGS, [key]: value })).toThrow(key);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { captureEmf } from './emf.js';

describe('Class: EmfMetrics', () => {
  let capture: ReturnType<typeof captureEmf> | undefined;
  afterEach(() => capture?.restore());

  describe('Method: request', () => {
    it('prints one EMF line per tool call, by all tools, by tool and by error code', () => {
      // Prepare
      capture = captureEmf();

      // Act
      capture.metrics.request({
        status: 200,
        tool: 'send-message-to-agent',
        outcome: 'tool-error',
        errorCode: 'SALESFORCE_AUTH',
        latencyMs: 12.5,
      });

      // Assess
      const [line, ...rest] = capture.lines();
      expect(rest).toHaveLength(0);
      expect(line?._aws.CloudWatchMetrics[0]).toEqual({
        Namespace: 'AgentforceMcp',
        Dimensions: [['service'], ['service', 'tool'], ['service', 'errorCode']],
        Metrics: [
          { Name: 'ToolCalls', Unit: 'Count' },
          { Name: 'ToolErrors', Unit: 'Count' },
          { Name: 'ToolLatency', Unit: 'Milliseconds' },
        ],
      });
      expect(line).toMatchObject({
        service: 'McpTest',
        tool: 'send-message-to-agent',
        errorCode: 'SALESFORCE_AUTH',
        ToolCalls: 1,
        ToolErrors: 1,
        ToolLatency: 12.5,
      });
    });

    it('leaves the error-code dimension out of a successful call', () => {
      // Prepare
      capture = captureEmf();

      // Act
      capture.metrics.request({
        status: 200,
        tool: 'get-session-status',
        outcome: 'ok',
        latencyMs: 3,
      });

      // Assess
      const [line] = capture.lines();
      expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
        ['service'],
        ['service', 'tool'],
      ]);
      expect(line).toMatchObject({ ToolCalls: 1, ToolErrors: 0 });
      expect(line).not.toHaveProperty('errorCode');
    });

    it('prints nothing for an inbound auth refusal or a request without a tool', () => {
      // Prepare
      capture = captureEmf();

      // Act: a refusal is counted from its log line by a metric filter, not by a second line.
      capture.metrics.request({ status: 401, authRefused: true, latencyMs: 1 });
      capture.metrics.request({ status: 200, latencyMs: 1 });

      // Assess
      expect(capture.lines()).toHaveLength(0);
    });

    it('drops a dimension value that is not a plain name instead of publishing it', () => {
      // Prepare
      capture = captureEmf();

      // Act
      capture.metrics.request({ status: 200, tool: 'user@example.com says hi', latencyMs: 1 });

      // Assess
      expect(capture.lines()).toHaveLength(0);
      expect(capture.raw()).not.toContain('example.com');
    });
  });

  describe('Method: upstream', () => {
    it('prints latency by operation and calls by dependency and status class', () => {
      // Prepare
      capture = captureEmf();

      // Act
      capture.metrics.upstream({
        dependency: 'AgentApi',
        operation: 'AgentApi.SendMessage',
        statusClass: '5xx',
        latencyMs: 812,
      });

      // Assess
      const [line] = capture.lines();
      expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
        ['service', 'operation'],
        ['service', 'dependency', 'statusClass'],
      ]);
      expect(line).toMatchObject({
        operation: 'AgentApi.SendMessage',
        dependency: 'AgentApi',
        statusClass: '5xx',
        UpstreamCalls: 1,
        UpstreamLatency: 812,
      });
      expect(line).not.toHaveProperty('ConditionalCheckFailures');
    });

    it('adds ConditionalCheckFailures for a failed DynamoDB condition', () => {
      // Prepare
      capture = captureEmf();

      // Act
      capture.metrics.upstream({
        dependency: 'DynamoDB',
        operation: 'DynamoDB.UpdateItem',
        statusClass: 'conditional',
        latencyMs: 4,
      });

      // Assess
      expect(capture.lines()[0]).toMatchObject({ ConditionalCheckFailures: 1, UpstreamCalls: 1 });
    });
  });
});

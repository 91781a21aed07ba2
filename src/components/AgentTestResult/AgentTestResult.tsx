import React from 'react';
import { Alert, Badge, Stack, Text } from '@grafana/ui';
import type { AgentTest } from '../../api/types';
import { formatPlural } from '../../utils/format';

interface Props {
  result?: AgentTest;
  /** Why the backend refused to run the test (what no form field shows). */
  refusal?: string;
}

/** What "Test agent" found: each instance reachable or not, its backends and HAProxy version, or the exact error. */
export function AgentTestResult({ result, refusal }: Props) {
  if (!result) {
    return (
      <div role="status" aria-label="Agent test result">
        <Alert severity="error" title="The test was refused">
          {refusal}
        </Alert>
      </div>
    );
  }
  const reachable = result.instances.filter((i) => i.reachable).length;
  const title = result.ok
    ? `Agent answered for ${formatPlural(reachable, 'instance')}`
    : reachable > 0
      ? `Agent answered for ${reachable} of ${formatPlural(result.instances.length, 'instance')}`
      : 'Agent test failed';
  return (
    <div role="status" aria-label="Agent test result">
      <Alert severity={result.ok ? 'success' : reachable > 0 ? 'warning' : 'error'} title={title}>
        <Stack direction="column" gap={0.5}>
          <Text variant="bodySmall">
            {[
              result.version ? `HAProxy ${result.version}` : 'version: the agent has no /info',
              `${result.latency_ms} ms in all`,
            ].join(' · ')}
          </Text>
          {result.instances.map((i) => (
            <Stack key={i.name} gap={1} alignItems="center" wrap="wrap">
              {i.reachable ? <Badge color="green" text="reachable" /> : <Badge color="red" text="unreachable" />}
              <strong>{i.name}</strong>
              {/* A reachable instance's error: its /state, which the sync reads, failed. */}
              <Text variant="bodySmall" color={i.reachable && !i.error ? 'secondary' : 'error'}>
                {i.reachable
                  ? [`${formatPlural(i.backends ?? 0, 'backend')}, ${i.latency_ms} ms`, i.error]
                      .filter(Boolean)
                      .join(': ')
                  : (i.error ?? 'no answer')}
              </Text>
            </Stack>
          ))}
        </Stack>
      </Alert>
    </div>
  );
}

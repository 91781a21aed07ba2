import React, { useState } from 'react';
import { Alert, Badge, Button, ConfirmModal, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Instance, SuspiciousAnswer } from '../../api/types';
import { formatCount, formatTime } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';

interface Props {
  instance: Instance & { suspicious_answer: SuspiciousAnswer };
  /** Admins may apply the held removal now; absent for everyone else. */
  onConfirm?: () => Promise<unknown>;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** What the held removal would take, since when, and (for admins) "Confirm removal" to apply it now. */
export function SuspiciousAnswerAlert({ instance, onConfirm }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const held = instance.suspicious_answer;
  const [confirming, setConfirming] = useState(false);
  const gone = [
    held.backends_removed > 0 &&
      `${formatCount(held.backends_removed)} of ${formatCount(held.backends_total)} backends`,
    held.servers_removed > 0 && `${formatCount(held.servers_removed)} of ${formatCount(held.servers_total)} servers`,
  ]
    .filter(Boolean)
    .join(' and ');
  return (
    <Alert severity="warning" title={`Removal held on ${instance.name}: nothing was removed`}>
      <Stack direction="column" gap={1}>
        <Text>{held.message}</Text>
        <Text variant="bodySmall">
          The agent&apos;s answer would remove {gone || 'what it no longer lists'} ({percent(held.share)}). Seen on{' '}
          {held.consecutive} of the {held.required} syncs in a row that apply it, since {formatTime(held.since)}. Until
          then everything stays as it was.
        </Text>
        {onConfirm && (
          <div>
            <Button variant="destructive" size="sm" icon="trash-alt" onClick={() => setConfirming(true)}>
              Confirm removal
            </Button>
          </div>
        )}
      </Stack>
      {confirming && onConfirm && (
        <ConfirmModal
          isOpen
          modalClass={nameStyles.names}
          title={`Confirm the removal on ${instance.name}?`}
          body={`The backends and servers the agent no longer lists (${gone || `${percent(held.share)} of what it listed`}) leave the HAProxy page now and move to Recently removed, with their history. Confirm only if HAProxy really lost them.`}
          confirmText="Confirm removal"
          onConfirm={async () => {
            setConfirming(false);
            await onConfirm();
          }}
          onDismiss={() => setConfirming(false)}
        />
      )}
    </Alert>
  );
}

/** The instance holds a removal (only backends that hold removals send the field). */
export function hasHeldRemoval(instance: Instance): instance is Instance & { suspicious_answer: SuspiciousAnswer } {
  return Boolean(instance.suspicious_answer);
}

/** The short form, for lists: a held removal, its message on hover. */
export function HeldRemovalBadge({ instance }: { instance: Instance }) {
  return hasHeldRemoval(instance) ? (
    <Badge
      color="orange"
      icon="exclamation-triangle"
      text="removal held"
      tooltip={instance.suspicious_answer.message}
    />
  ) : null;
}

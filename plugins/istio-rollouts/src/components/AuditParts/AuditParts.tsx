/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type {
  AuditOutcome,
  AuditRecord,
  PromotionRequestStatus,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Chip, Tooltip, Typography, makeStyles } from '@material-ui/core';

type Tone = 'success' | 'error' | 'warning' | 'info' | 'neutral';

const TONES: Record<AuditOutcome | PromotionRequestStatus, Tone> = {
  applied: 'success',
  failed: 'error',
  denied: 'warning',
  stale: 'warning',
  expired: 'neutral',
  observed: 'info',
  unknown: 'warning',
  pending: 'info',
  approving: 'info',
  rejected: 'warning',
  cancelled: 'neutral',
};

const useStyles = makeStyles(theme => {
  const tone = (color: string) => ({
    color: theme.palette.getContrastText(color),
    backgroundColor: color,
  });
  return {
    success: tone(theme.palette.success.main),
    error: tone(theme.palette.error.main),
    warning: tone(theme.palette.warning.main),
    info: tone(theme.palette.info.main),
    neutral: {},
  };
});

/**
 * An audit outcome or a request status as a small coloured chip. The text
 * carries the meaning; the colour only helps scanning.
 */
export const StatusChip = ({
  status,
}: {
  status: AuditOutcome | PromotionRequestStatus;
}) => {
  const classes = useStyles();
  return (
    <Chip
      size="small"
      label={status}
      className={classes[TONES[status] ?? 'neutral']}
    />
  );
};

/**
 * A user (or group) entity ref as a catalog link; `system` for actions no
 * person took, such as an expiry.
 */
export const UserRef = ({ entityRef }: { entityRef?: string }) =>
  entityRef ? (
    <EntityRefLink entityRef={entityRef} defaultKind="user" />
  ) : (
    <Typography component="span" variant="body2" color="textSecondary">
      system
    </Typography>
  );

/**
 * Who made a recorded change: the user, or for an `observed` change (made
 * outside Backstage) the Kubernetes field manager, e.g. `kubectl-patch`.
 */
export const ActorRef = ({ record }: { record: AuditRecord }) =>
  record.outcome === 'observed' ? (
    <Tooltip title="Made outside Backstage; the Kubernetes field manager that wrote the route">
      <Typography component="span" variant="body2">
        <code>{record.actor ?? 'an unknown writer'}</code> (outside Backstage)
      </Typography>
    </Tooltip>
  ) : (
    <UserRef entityRef={record.actor} />
  );

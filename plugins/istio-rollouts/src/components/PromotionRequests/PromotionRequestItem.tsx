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

import {
  isOpenPromotionRequestStatus,
  type PromotionRequest,
  type VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Tooltip, Typography, makeStyles } from '@material-ui/core';
import {
  StatusChip,
  UserRef,
  changeLabel,
  describeTarget,
  formatRelative,
  formatTime,
} from '../AuditParts';
import { AnalysisSummary } from '../CanaryAnalysis';
import { ActionAccess, ActionButton } from '../RouteActions/ActionButton';
import { describeSnapshot } from '../RouteActions/routeModel';

const useStyles = makeStyles(theme => ({
  root: {
    padding: theme.spacing(1.5, 0),
    '& + &': { borderTop: `1px solid ${theme.palette.divider}` },
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  when: { marginLeft: 'auto' },
  weights: { fontFamily: 'monospace' },
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

/** `v1 90% · v2 10% → v1 75% · v2 25%`: the route when asked, and as the change would leave it. */
export function describePlannedChange(
  request: PromotionRequest,
  versions: VersionView[],
): string {
  return `${describeSnapshot(versions, request.before)} → ${describeSnapshot(
    versions,
    request.plannedAfter,
  )}`;
}

/** What the viewer may do with one request. */
export interface RequestActions {
  approve: ActionAccess;
  reject: ActionAccess;
  /** Only the requester cancels: absent for others' requests. */
  cancel?: ActionAccess;
  busy: boolean;
  onApprove: () => void;
  onReject: () => void;
  onCancel: () => void;
}

/**
 * One promotion request: what it asks (weights before → planned after),
 * who asked and why, the canary analysis of its route, its age and
 * expiry; with `actions`, the buttons.
 */
export const PromotionRequestItem = ({
  request,
  versions,
  actions,
}: {
  request: PromotionRequest;
  versions: VersionView[];
  actions?: RequestActions;
}) => {
  const classes = useStyles();
  const open = isOpenPromotionRequestStatus(request.status);
  return (
    <Box
      className={classes.root}
      data-testid={`request-${request.id}`}
      aria-label={`Request to ${changeLabel(request.change).toLowerCase()}`}
      role="group"
    >
      <div className={classes.header}>
        {!open || request.status === 'approving' ? (
          <StatusChip status={request.status} />
        ) : null}
        <Typography variant="subtitle2" component="span">
          {changeLabel(request.change)}
        </Typography>
        <Typography variant="body2" component="span" color="textSecondary">
          {describeTarget(request.target)}
        </Typography>
        <Typography
          variant="caption"
          color="textSecondary"
          className={classes.when}
        >
          <Tooltip title={formatTime(request.createdAt)}>
            <span>requested {formatRelative(request.createdAt)}</span>
          </Tooltip>
          {open && (
            <Tooltip title={formatTime(request.expiresAt)}>
              <span>
                {' · '}
                {Date.parse(request.expiresAt) > Date.now()
                  ? 'expires'
                  : 'expired'}{' '}
                {formatRelative(request.expiresAt)}
              </span>
            </Tooltip>
          )}
          {!open && request.decidedAt && (
            <Tooltip title={formatTime(request.decidedAt)}>
              <span>
                {' · '}
                {request.status} {formatRelative(request.decidedAt)}
              </span>
            </Tooltip>
          )}
        </Typography>
      </div>
      <Typography variant="body2" className={classes.weights}>
        {describePlannedChange(request, versions)}
      </Typography>
      <Typography variant="body2">
        <UserRef entityRef={request.requestedBy} />: “{request.reason}”
      </Typography>
      {request.analysis && (
        // Open requests carry a fresh analysis; decided ones keep the one
        // the approver saw.
        <AnalysisSummary
          analysis={request.analysis}
          prefix={open ? undefined : 'Canary analysis at the decision'}
          limit={1}
        />
      )}
      {request.decidedBy && (
        <Typography variant="body2" color="textSecondary">
          {request.status === 'cancelled' ? 'Cancelled' : 'Decided'} by{' '}
          <UserRef entityRef={request.decidedBy} />
          {request.decisionReason ? `: “${request.decisionReason}”` : ''}
        </Typography>
      )}
      {request.message && (
        <Typography
          variant="body2"
          color={request.status === 'applied' ? 'textSecondary' : 'error'}
        >
          {request.message}
        </Typography>
      )}
      {request.status === 'approving' && (
        <Typography variant="body2" color="textSecondary">
          Being applied…
        </Typography>
      )}
      {actions && request.status === 'pending' && (
        <div className={classes.buttons}>
          <ActionButton
            access={actions.approve}
            busy={actions.busy}
            onClick={actions.onApprove}
          >
            Approve…
          </ActionButton>
          <ActionButton
            access={actions.reject}
            busy={actions.busy}
            color="secondary"
            onClick={actions.onReject}
          >
            Reject…
          </ActionButton>
          {actions.cancel && (
            <ActionButton
              access={actions.cancel}
              busy={actions.busy}
              onClick={actions.onCancel}
            >
              Cancel request…
            </ActionButton>
          )}
        </div>
      )}
    </Box>
  );
};

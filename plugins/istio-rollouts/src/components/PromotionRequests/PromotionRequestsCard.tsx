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

import { useMemo, useState } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  istioRolloutsApplyPermission,
  type ApprovalPolicy,
  type CanaryAnalysisView,
  type EntityRolloutView,
  type PromotionRequest,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Button, Typography, makeStyles } from '@material-ui/core';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import {
  sameEntityRef,
  useCurrentUserRef,
} from '../../hooks/useCurrentUserRef';
import { PromotionRequestsState } from '../../hooks/usePromotionRequests';
import { changeLabel, describeTarget, versionsLookup } from '../AuditParts';
import { ActionAccess, useActionAccess } from '../RouteActions/ActionButton';
import { describeFailure } from '../RouteActions/failures';
import { describeSnapshot } from '../RouteActions/routeModel';
import { AnalysisSummary } from '../CanaryAnalysis';
import { DecisionDialog } from './DecisionDialog';
import {
  PromotionRequestItem,
  describePlannedChange,
} from './PromotionRequestItem';

const useStyles = makeStyles(theme => ({
  success: { color: theme.palette.success.main },
}));

type Decision = 'approve' | 'reject' | 'cancel';

type Outcome =
  | { severity: 'success'; message: string }
  | { severity: 'error'; message: string; detail?: string };

const ALLOWED: ActionAccess = { allowed: true };

/** `24 hours`, `7 days`, `90 minutes`. */
function duration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

function policySummary(policy?: ApprovalPolicy): string | undefined {
  if (!policy) return undefined;
  return [
    policy.fourEyes
      ? 'Four-eyes rule: requesters cannot approve their own requests'
      : undefined,
    `pending requests expire after ${duration(policy.requestTtlSeconds)}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

// What each decision's dialog says; the change is described as the list
// shows it, so the approver confirms an outcome, not an id.
const DIALOGS: Record<
  Decision,
  (
    request: PromotionRequest,
    change: string,
  ) => {
    title: string;
    description: string;
    reasonLabel: string;
    reasonRequired?: boolean;
    confirmLabel: string;
    confirmColor?: 'primary' | 'secondary';
  }
> = {
  approve: (request, change) => ({
    title: `Approve: ${changeLabel(request.change)}`,
    description:
      request.change.type === 'controller-action'
        ? // The controller moves the traffic; approval acts on it as the approver.
          `Approving asks ${
            request.change.controller.kind === 'Rollout'
              ? 'Argo Rollouts'
              : 'Flagger'
          } at once to go on (${describeTarget(
            request.target,
          )}: ${change}). If the release moved on since the request, nothing is done.`
        : `Approving applies the change at once on ${describeTarget(
            request.target,
          )}: ${change}. If the route changed since the request, nothing is applied.`,
    reasonLabel: 'Note (optional)',
    confirmLabel: 'Approve and apply',
  }),
  reject: (request, change) => ({
    title: `Reject: ${changeLabel(request.change)}`,
    description: `The request (${change}) is closed without changing traffic. The requester sees your reason.`,
    reasonLabel: 'Reason',
    reasonRequired: true,
    confirmLabel: 'Reject',
    confirmColor: 'secondary',
  }),
  cancel: (request, change) => ({
    title: `Cancel your request: ${changeLabel(request.change)}`,
    description: `Your request (${change}) is withdrawn; traffic does not change.`,
    reasonLabel: 'Reason (optional)',
    confirmLabel: 'Cancel request',
  }),
};

/**
 * The canary analysis a decider weighs. A failing one is called out to the
 * approver: the backend applies an approved change whatever the verdict.
 */
const AnalysisNotice = ({
  analysis,
  approving,
}: {
  analysis: CanaryAnalysisView;
  approving: boolean;
}) => (
  <>
    <AnalysisSummary analysis={analysis} />
    {approving && analysis.verdict === 'fail' && (
      <Typography variant="body2" color="error">
        The analysis fails the canary; approving applies the change all the
        same.
      </Typography>
    )}
  </>
);

/**
 * The entity's promotion requests: pending ones with Approve / Reject
 * (owners) and Cancel (the requester), and the last few decided below,
 * collapsed. Kept small: most of the time it says there is nothing to do.
 */
export const PromotionRequestsCard = ({
  requests,
  view,
  onRouteChanged,
}: {
  requests: PromotionRequestsState;
  /** Labels versions as the tab does. */
  view?: EntityRolloutView;
  /** An approval moved traffic (or found the route changed): refetch the view. */
  onRouteChanged?: () => void;
}) => {
  const classes = useStyles();
  const api = useApi(istioRolloutsApiRef);
  const applyAccess = useActionAccess(istioRolloutsApplyPermission, 'approve');
  const { userRef, loading: userLoading } = useCurrentUserRef();
  const lookup = useMemo(() => versionsLookup(view), [view]);
  const [dialog, setDialog] = useState<{
    kind: Decision;
    request: PromotionRequest;
  }>();
  const [busy, setBusy] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [showDecided, setShowDecided] = useState(false);
  const { policy } = requests;

  const approveAccess = (request: PromotionRequest): ActionAccess => {
    if (!applyAccess.allowed || !policy?.fourEyes) return applyAccess;
    if (userLoading) {
      return { allowed: false, loading: true, reason: 'Checking who you are…' };
    }
    if (sameEntityRef(request.requestedBy, userRef)) {
      return {
        allowed: false,
        reason:
          'You requested this: another owner must approve it (four-eyes rule)',
      };
    }
    return applyAccess;
  };

  const decide = async (
    kind: Decision,
    request: PromotionRequest,
    reason: string,
  ) => {
    setDialog(undefined);
    setBusy(request.id);
    setOutcome(undefined);
    const note = reason ? { reason } : {};
    try {
      if (kind === 'approve') {
        const applied = await api.approveRequest(request.id, note);
        setOutcome({
          severity: 'success',
          message:
            applied.change.type === 'controller-action'
              ? `Approved and applied: ${changeLabel(applied.change)}`
              : `Approved and applied: ${describeSnapshot(
                  lookup(applied.target),
                  applied.plannedAfter,
                )}`,
        });
        onRouteChanged?.();
      } else if (kind === 'reject') {
        await api.rejectRequest(request.id, { reason });
        setOutcome({ severity: 'success', message: 'Request rejected' });
      } else {
        await api.cancelRequest(request.id, note);
        setOutcome({ severity: 'success', message: 'Request cancelled' });
      }
    } catch (e) {
      const failure = describeFailure(e);
      if (kind === 'approve' && failure.kind === 'conflict') {
        // Approval re-reads the route; if it moved since the request, the
        // backend marks the request stale and applies nothing.
        setOutcome({
          severity: 'error',
          message:
            request.change.type === 'controller-action'
              ? 'Nothing was applied: the release moved on since this request was made, or the request was already decided'
              : 'Nothing was applied: the route changed since this request was made, or the request was already decided',
          detail: failure.message,
        });
        onRouteChanged?.();
      } else {
        setOutcome({ severity: 'error', message: failure.message });
      }
    } finally {
      setBusy(undefined);
      requests.retry();
    }
  };

  const actionsFor = (request: PromotionRequest) => {
    // The backend expires requests on a schedule; until it has, one past its
    // time still shows as pending but can no longer be approved.
    const expired = Date.parse(request.expiresAt) <= Date.now();
    const own = sameEntityRef(request.requestedBy, userRef);
    const closed: ActionAccess = {
      allowed: false,
      reason: 'This request has expired; a new one is needed',
    };
    return {
      approve: expired ? closed : approveAccess(request),
      reject: expired ? closed : applyAccess,
      cancel: own && !expired ? ALLOWED : undefined,
      busy: busy !== undefined,
      onApprove: () => setDialog({ kind: 'approve', request }),
      onReject: () => setDialog({ kind: 'reject', request }),
      onCancel: () => setDialog({ kind: 'cancel', request }),
    };
  };

  let body;
  if (requests.loading) {
    body = <Progress />;
  } else if (requests.error) {
    body = <ResponseErrorPanel error={requests.error} />;
  } else {
    body = (
      <>
        {requests.pending.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            No pending promotion requests.
          </Typography>
        ) : (
          requests.pending.map(request => (
            <PromotionRequestItem
              key={request.id}
              request={request}
              versions={lookup(request.target)}
              actions={actionsFor(request)}
            />
          ))
        )}
        {requests.decided.length > 0 && (
          <Box mt={1}>
            <Button
              size="small"
              aria-expanded={showDecided}
              onClick={() => setShowDecided(s => !s)}
            >
              {showDecided
                ? 'Hide recently decided'
                : `Show recently decided (${requests.decided.length})`}
            </Button>
            {showDecided &&
              requests.decided.map(request => (
                <PromotionRequestItem
                  key={request.id}
                  request={request}
                  versions={lookup(request.target)}
                />
              ))}
          </Box>
        )}
      </>
    );
  }

  const pendingCount = requests.pending.length;
  const open = dialog?.request;
  return (
    <InfoCard
      title={`Promotion requests${pendingCount ? ` (${pendingCount})` : ''}`}
      subheader={policySummary(policy)}
    >
      {outcome?.severity === 'success' && (
        <Typography
          variant="body2"
          className={classes.success}
          role="status"
          paragraph
        >
          ✓ {outcome.message}
        </Typography>
      )}
      {outcome?.severity === 'error' && (
        <Box role="alert" mb={1}>
          <Typography variant="body2" color="error">
            {outcome.message}
          </Typography>
          {outcome.detail && (
            <Typography variant="caption" color="textSecondary">
              {outcome.detail}
            </Typography>
          )}
        </Box>
      )}
      {body}
      {dialog && open && (
        <DecisionDialog
          {...DIALOGS[dialog.kind](
            open,
            describePlannedChange(open, lookup(open.target)),
          )}
          notice={
            dialog.kind !== 'cancel' && open.analysis ? (
              <AnalysisNotice
                analysis={open.analysis}
                approving={dialog.kind === 'approve'}
              />
            ) : undefined
          }
          onCancel={() => setDialog(undefined)}
          onConfirm={reason => decide(dialog.kind, open, reason)}
        />
      )}
    </InfoCard>
  );
};

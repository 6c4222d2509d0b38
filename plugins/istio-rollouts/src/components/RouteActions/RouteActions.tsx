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
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  istioRolloutsApplyPermission,
  istioRolloutsRequestPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type {
  ApprovalPolicy,
  ManagedByView,
  RequestedRouteChange,
  RouteView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Typography, makeStyles } from '@material-ui/core';
import { usePromotionRequestsContext } from '../PromotionRequests/requestsContext';
import { ActionAccess, ActionButton, useActionAccess } from './ActionButton';
import { ActionOutcome } from './ActionOutcome';
import { ConfirmActionDialog } from './ConfirmActionDialog';
import {
  PendingConfirm,
  finish,
  flip,
  promoteFull,
  promoteNext,
  rollback,
} from './confirmations';
import { SetWeightsDialog } from './SetWeightsDialog';
import { TargetUsersDialog } from './TargetUsersDialog';
import { VersionActionDialog } from './VersionActionDialog';
import { useRouteAction } from './useRouteAction';
import {
  RouteOperation,
  actionableVersions,
  canaryInfo,
  isBlueGreen,
  isTargetRoute,
  ownerRouteOf,
  routeNoun,
  routeTarget,
  stableOf,
  targetedRoutesOf,
} from './routeModel';

const CONTROLLER_NAMES: Record<ManagedByView['controller'], string> = {
  'argo-rollouts': 'Argo Rollouts',
  flagger: 'Flagger',
};

const useStyles = makeStyles(theme => ({
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

export interface RouteActionsProps {
  cluster: string;
  vs: VirtualServiceView;
  route: RouteView;
  /** Called after a change (or a conflict) so the view refetches at once. */
  onChanged?: () => void;
}

type OpenDialog = 'weights' | 'target' | 'mirror' | 'start-canary';

/**
 * How promotions (promote next, promote fully, set weights) go for this
 * user: applied directly, or sent to the owners as a request.
 */
export interface PromotionMode {
  mode: 'apply' | 'request';
  access: ActionAccess;
}

const CHECKING: ActionAccess = {
  allowed: false,
  loading: true,
  reason: 'Checking your permissions…',
};

/**
 * Owners apply directly unless the installation makes them request too
 * (`ownersApplyDirectly: false`); whoever may not apply but may request
 * sends a request. While a decision this depends on is loading, nothing is
 * offered, so a button never changes meaning under the pointer.
 */
export function promotionMode(
  apply: ActionAccess,
  request: ActionAccess,
  policy: { value?: ApprovalPolicy; loading: boolean },
): PromotionMode {
  if (apply.loading || policy.loading) {
    return { mode: 'apply', access: CHECKING };
  }
  const ownersApplyDirectly = policy.value?.ownersApplyDirectly ?? true;
  if (apply.allowed && ownersApplyDirectly) {
    return { mode: 'apply', access: apply };
  }
  if (request.loading) return { mode: 'request', access: CHECKING };
  if (request.allowed) return { mode: 'request', access: request };
  return apply.allowed
    ? { mode: 'request', access: request }
    : { mode: 'apply', access: apply };
}

const RouteActionsPanel = ({
  cluster,
  vs,
  route,
  onChanged,
}: RouteActionsProps) => {
  const classes = useStyles();
  const { entity } = useEntity();
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const steps = useMemo(
    () => readRolloutAnnotations(entity).canarySteps,
    [entity],
  );
  // A targeted route this plugin inserted is removed through the route it
  // belongs to (the planner refuses to remove the route it is changing).
  const targetedRoute = isTargetRoute(route);
  const owner = targetedRoute ? ownerRouteOf(vs, route) : route;
  const target = useMemo(
    () => routeTarget(cluster, vs, owner ?? route),
    [cluster, vs, owner, route],
  );
  const requests = usePromotionRequestsContext();
  const action = useRouteAction({
    entityRef,
    target,
    onChanged,
    onRequested: requests?.refresh,
  });
  const applyAccess = useActionAccess(istioRolloutsApplyPermission, 'apply');
  const requestAccess = useActionAccess(
    istioRolloutsRequestPermission,
    'request',
  );
  const promotion = promotionMode(applyAccess, requestAccess, {
    value: requests?.policy,
    loading: requests?.loading ?? false,
  });
  const asking = promotion.mode === 'request';
  const rollbackAccess = useActionAccess(
    istioRolloutsRollbackPermission,
    'rollback',
  );
  const scaleAccess = useActionAccess(istioRolloutsScalePermission, 'scale');
  const [dialog, setDialog] = useState<OpenDialog>();
  const [confirm, setConfirm] = useState<PendingConfirm>();

  const busy = action.state.status === 'pending';
  const applyButton = (label: string, onClick: () => void) => (
    <ActionButton access={applyAccess} busy={busy} onClick={onClick}>
      {label}
    </ActionButton>
  );
  // Promotions follow the promotion mode; everything else applies.
  const promoteButton = (label: string, onClick: () => void) => (
    <ActionButton access={promotion.access} busy={busy} onClick={onClick}>
      {label}
    </ActionButton>
  );
  const versions = vs.versions;
  // What the dialogs may send traffic to: an HTTPRoute's Services only.
  const candidates = actionableVersions(vs);
  const noun = routeNoun(vs.kind);
  const submit = (operation: RouteOperation, reason?: string) => {
    setDialog(undefined);
    action.run(operation, reason);
  };
  const submitPromotion = (operation: RouteOperation, reason: string) => {
    setDialog(undefined);
    if (asking) action.request(operation as RequestedRouteChange, reason);
    else action.run(operation, reason);
  };

  const outcome = (
    <ActionOutcome
      state={action.state}
      versions={versions}
      onOverride={action.override}
    />
  );

  if (targetedRoute) {
    return owner ? (
      <Box>
        <div className={classes.buttons}>
          {applyButton('Remove targeting', () =>
            submit({ type: 'remove-targeting', routeName: route.name! }),
          )}
        </div>
        {outcome}
      </Box>
    ) : null;
  }

  const canary = canaryInfo(route, steps);
  const stable = stableOf(route);
  const targeted = targetedRoutesOf(vs, route);
  const newVersions = candidates.filter(
    v => !route.destinations.some(d => d.versionKey === v.key),
  );
  const canRollBack =
    route.destinations.length >= 2 || !!route.mirror || targeted.length > 0;

  return (
    <Box>
      <div className={classes.buttons}>
        {canary && (
          <>
            {promoteButton(
              asking
                ? `Request promotion to ${canary.next}%`
                : `Promote to ${canary.next}%`,
              () => setConfirm(promoteNext(versions, canary, steps, noun)),
            )}
            {promoteButton(
              asking ? 'Request full promotion' : 'Promote fully',
              () => setConfirm(promoteFull(versions, canary, noun)),
            )}
          </>
        )}
        {route.destinations.length === 1 &&
          newVersions.length > 0 &&
          applyButton('Start canary…', () => setDialog('start-canary'))}
        {route.destinations.length >= 2 &&
          promoteButton(asking ? 'Request weights…' : 'Set weights…', () =>
            setDialog('weights'),
          )}
        {isBlueGreen(route) &&
          applyButton('Flip', () => setConfirm(flip(versions, route, noun)))}
        {isBlueGreen(route) &&
          applyButton('Finish…', () =>
            setConfirm(finish(versions, route, scaleAccess.allowed, noun)),
          )}
        {applyButton('Target users…', () => setDialog('target'))}
        {applyButton('Mirror…', () => setDialog('mirror'))}
        {route.mirror &&
          applyButton('Remove mirror', () => submit({ type: 'remove-mirror' }))}
        {canRollBack && stable && (
          <ActionButton
            access={rollbackAccess}
            busy={busy}
            color="secondary"
            onClick={() => setConfirm(rollback(versions, stable, noun))}
          >
            Roll back
          </ActionButton>
        )}
      </div>
      {outcome}
      <ConfirmActionDialog
        request={confirm?.request}
        trackedBy={vs.trackedBy}
        kind={vs.kind}
        mode={
          confirm && isPromotion(confirm.operation) ? promotion.mode : 'apply'
        }
        onCancel={() => setConfirm(undefined)}
        onConfirm={reason => {
          const op = confirm!.operation;
          setConfirm(undefined);
          if (isPromotion(op)) submitPromotion(op, reason);
          else submit(op, reason);
        }}
      />
      {dialog === 'weights' && (
        <SetWeightsDialog
          route={route}
          versions={versions}
          trackedBy={vs.trackedBy}
          kind={vs.kind}
          mode={promotion.mode}
          onCancel={() => setDialog(undefined)}
          // A dry run needs the permission to apply.
          onPreview={applyAccess.allowed ? action.preview : undefined}
          onApply={submitPromotion}
        />
      )}
      {dialog === 'target' && (
        <TargetUsersDialog
          versions={candidates}
          targeted={targeted}
          trackedBy={vs.trackedBy}
          kind={vs.kind}
          onCancel={() => setDialog(undefined)}
          onApply={submit}
          onRemove={routeName =>
            submit({ type: 'remove-targeting', routeName })
          }
        />
      )}
      {(dialog === 'mirror' || dialog === 'start-canary') && (
        <VersionActionDialog
          mode={dialog}
          versions={dialog === 'mirror' ? candidates : newVersions}
          steps={steps}
          trackedBy={vs.trackedBy}
          kind={vs.kind}
          onCancel={() => setDialog(undefined)}
          onApply={submit}
        />
      )}
    </Box>
  );
};

// The operations a promotion request may carry (see RequestedRouteChange).
function isPromotion(operation: RouteOperation): boolean {
  return (
    operation.type === 'promote-next' ||
    operation.type === 'promote-full' ||
    operation.type === 'set-weights'
  );
}

/**
 * The actions of one http route: promote, set weights, flip, target users,
 * mirror, roll back — of a VirtualService's http route or an HTTPRoute's
 * rule. Absent for delegated routes, and replaced by a pointer to the
 * controller when Argo Rollouts or Flagger drives the routing object (the
 * backend refuses those writes; a button would only fail).
 */
export const RouteActions = (props: RouteActionsProps) => {
  const { vs, route } = props;
  if (vs.managedBy) {
    const name = CONTROLLER_NAMES[vs.managedBy.controller];
    // With the controller's state in the view, the card's controller panel
    // acts through the controller; without it, the controller's own tools do.
    const panel = vs.managedBy.argo
      ? 'the Rollout panel above'
      : vs.managedBy.flagger && 'the Canary panel above';
    return (
      <Typography variant="body2" color="textSecondary">
        {panel
          ? `Managed by ${name} — act through ${panel}.`
          : `Managed by ${name} — change it there.`}
      </Typography>
    );
  }
  if (route.delegate) return null;
  // The cluster does not bind this route to the entity (the backend marks
  // every route of an unbound VirtualService): it would refuse every
  // change, so say why instead of offering buttons.
  if (route.readOnly) {
    return (
      <Typography variant="body2" color="textSecondary">
        {`Read-only here: ${route.readOnly}`}
      </Typography>
    );
  }
  return <RouteActionsPanel {...props} />;
};

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
  type ControllerTarget,
  type ManagedByView,
  type RouteView,
  type VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Typography, makeStyles } from '@material-ui/core';
import { changeLabel } from '../AuditParts';
import { usePromotionRequestsContext } from '../PromotionRequests/requestsContext';
import { useActionAccess } from '../RouteActions/ActionButton';
import { promotionMode } from '../RouteActions/RouteActions';
import { routeTarget } from '../RouteActions/routeModel';
import { ArgoRolloutPanel } from './ArgoRolloutPanel';
import {
  ControllerActionDialog,
  PendingControllerAction,
} from './ControllerActionDialog';
import { ControllerControls } from './ControllerParts';
import { FlaggerCanaryPanel } from './FlaggerCanaryPanel';
import {
  ControllerActionState,
  useControllerAction,
} from './useControllerAction';

const useStyles = makeStyles(theme => ({
  success: { color: theme.palette.success.main },
}));

/** The Rollout or Canary a managed VirtualService names. */
export function controllerTarget(
  cluster: string,
  managedBy: ManagedByView,
): ControllerTarget {
  return {
    cluster,
    namespace: managedBy.namespace,
    kind: managedBy.controller === 'argo-rollouts' ? 'Rollout' : 'Canary',
    name: managedBy.name,
  };
}

/**
 * The route the controller drives, for requests: the first http route that
 * splits traffic (the controller's canary route), else the first route.
 */
export function drivenRoute(vs: VirtualServiceView): RouteView | undefined {
  return (
    vs.routes.find(r => !r.delegate && r.destinations.length >= 2) ??
    vs.routes[0]
  );
}

const Outcome = ({
  state,
  kind,
}: {
  state: ControllerActionState;
  kind: ControllerTarget['kind'];
}) => {
  const classes = useStyles();
  switch (state.status) {
    case 'idle':
      return null;
    case 'pending':
      return (
        <Typography variant="body2" color="textSecondary">
          {state.mode === 'request' ? 'Sending the request…' : 'Applying…'}
        </Typography>
      );
    case 'done':
      return (
        <Typography variant="body2" className={classes.success} role="status">
          ✓ {state.result.description}
        </Typography>
      );
    case 'requested':
      return (
        <Typography variant="body2" className={classes.success} role="status">
          ✓ Request sent to the owners: {changeLabel(state.request.change)}
        </Typography>
      );
    default:
      return (
        <Box role="alert">
          <Typography variant="body2" color="error">
            {state.failure.kind === 'conflict'
              ? `The ${kind} changed since you looked; the view has been refreshed — review and try again`
              : state.failure.message}
          </Typography>
          {state.failure.kind === 'conflict' && (
            <Typography variant="caption" color="textSecondary">
              {state.failure.message}
            </Typography>
          )}
        </Box>
      );
  }
};

const ActingPanel = ({
  vs,
  cluster,
  managedBy,
  onChanged,
}: {
  vs: VirtualServiceView;
  cluster: string;
  managedBy: ManagedByView;
  onChanged?: () => void;
}) => {
  const { entity } = useEntity();
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const target = useMemo(
    () => controllerTarget(cluster, managedBy),
    [cluster, managedBy],
  );
  const route = drivenRoute(vs);
  const routeRef = useMemo(
    () => routeTarget(cluster, vs, route ?? { index: 0 }),
    [cluster, vs, route],
  );
  const requests = usePromotionRequestsContext();
  const action = useControllerAction({
    entityRef,
    target,
    route: routeRef,
    onChanged,
    onRequested: requests?.refresh,
  });
  const applyAccess = useActionAccess(istioRolloutsApplyPermission, 'apply');
  const requestAccess = useActionAccess(
    istioRolloutsRequestPermission,
    'request',
  );
  const rollbackAccess = useActionAccess(
    istioRolloutsRollbackPermission,
    'rollback',
  );
  const promotion = promotionMode(applyAccess, requestAccess, {
    value: requests?.policy,
    loading: requests?.loading ?? false,
  });
  const [pending, setPending] = useState<PendingControllerAction>();
  const controls: ControllerControls = {
    promotion,
    apply: applyAccess,
    rollback: rollbackAccess,
    busy: action.state.status === 'pending',
    open: setPending,
  };

  return (
    <>
      {managedBy.argo && (
        <ArgoRolloutPanel
          target={target}
          state={managedBy.argo}
          controls={controls}
        />
      )}
      {managedBy.flagger && (
        <FlaggerCanaryPanel
          target={target}
          state={managedBy.flagger}
          controls={controls}
        />
      )}
      <Box mt={-1} mb={2}>
        <Outcome state={action.state} kind={target.kind} />
      </Box>
      {pending && (
        <ControllerActionDialog
          pending={pending}
          onPreview={action.preview}
          onCancel={() => setPending(undefined)}
          onConfirm={reason => {
            setPending(undefined);
            if (pending.mode === 'request')
              action.request(pending.action, reason);
            else action.run(pending.action, reason);
          }}
        />
      )}
    </>
  );
};

/**
 * The controller behind a managed VirtualService: its own state and, where
 * the cluster binds the VirtualService to the entity, its actions. Nothing
 * when the view carries no controller state (an older backend, or a
 * controller the plugin does not read).
 */
export const ControllerPanel = ({
  vs,
  cluster,
  onChanged,
}: {
  vs: VirtualServiceView;
  cluster: string;
  /** Refetches the view; called after an action. */
  onChanged?: () => void;
}) => {
  const managedBy = vs.managedBy;
  if (!managedBy || (!managedBy.argo && !managedBy.flagger)) return null;
  if (vs.readOnly) {
    // The backend refuses actions on objects the cluster does not bind to
    // the entity: show the state, offer nothing.
    const target = controllerTarget(cluster, managedBy);
    return (
      <>
        {managedBy.argo && (
          <ArgoRolloutPanel target={target} state={managedBy.argo} />
        )}
        {managedBy.flagger && (
          <FlaggerCanaryPanel target={target} state={managedBy.flagger} />
        )}
      </>
    );
  }
  return (
    <ActingPanel
      vs={vs}
      cluster={cluster}
      managedBy={managedBy}
      onChanged={onChanged}
    />
  );
};

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

import { useCallback, useState } from 'react';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type {
  ControllerAction,
  ControllerActionResult,
  ControllerTarget,
  PromotionRequest,
  RouteTarget,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { ActionFailure, describeFailure } from '../RouteActions/failures';

/** Where the last controller action of a panel stands. */
export type ControllerActionState =
  | { status: 'idle' }
  | { status: 'pending'; mode: 'apply' | 'request' }
  | { status: 'done'; result: ControllerActionResult }
  | { status: 'requested'; request: PromotionRequest }
  | { status: 'failed'; failure: ActionFailure };

/**
 * Sends actions to the controller behind one VirtualService (or asks the
 * owners for them) and remembers the outcome, to show under the panel.
 */
export function useControllerAction(options: {
  entityRef: CompoundEntityRef;
  /** The Rollout or Canary. */
  target: ControllerTarget;
  /** The route the controller drives: what a request shows and snapshots. */
  route: RouteTarget;
  onChanged?: () => void;
  /** A promotion request was created: show it in the requests list. */
  onRequested?: () => void;
}) {
  const { entityRef, target, route, onChanged, onRequested } = options;
  const api = useApi(istioRolloutsApiRef);
  const [state, setState] = useState<ControllerActionState>({
    status: 'idle',
  });

  const preview = useCallback(
    (action: ControllerAction) =>
      api.controllerAction(entityRef, { target, action, dryRun: true }),
    [api, entityRef, target],
  );

  const run = useCallback(
    async (action: ControllerAction, reason?: string) => {
      setState({ status: 'pending', mode: 'apply' });
      try {
        const result = await api.controllerAction(entityRef, {
          target,
          action,
          ...(reason ? { reason } : {}),
        });
        setState({ status: 'done', result });
        // Signals update the view too, but not at once.
        onChanged?.();
      } catch (e) {
        const failure = describeFailure(e);
        setState({ status: 'failed', failure });
        // The controller moved on: show where it is now.
        if (failure.kind === 'conflict') onChanged?.();
      }
    },
    [api, entityRef, target, onChanged],
  );

  // Asks the owners: nothing changes on the cluster yet, so the view is
  // not refetched; the requests list is.
  const request = useCallback(
    async (action: ControllerAction, reason: string) => {
      setState({ status: 'pending', mode: 'request' });
      try {
        const created = await api.createRequest(entityRef, {
          target: route,
          change: { type: 'controller-action', controller: target, action },
          reason,
        });
        setState({ status: 'requested', request: created });
        onRequested?.();
      } catch (e) {
        const failure = describeFailure(e);
        setState({
          status: 'failed',
          failure:
            failure.kind === 'unready'
              ? { ...failure, kind: 'error' }
              : failure,
        });
        if (failure.kind === 'conflict') onChanged?.();
      }
    },
    [api, entityRef, target, route, onChanged, onRequested],
  );

  return { state, preview, run, request };
}

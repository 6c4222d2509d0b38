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
  CreatedPromotionRequest,
  RequestedRouteChange,
  RouteActionRequest,
  RouteActionResult,
  RouteTarget,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { ActionFailure, describeFailure } from './failures';
import { RouteOperation } from './routeModel';

/** Where the last action of a route stands. */
export type RouteActionState =
  | { status: 'idle' }
  | { status: 'pending'; mode: 'apply' | 'request' }
  | { status: 'done'; result: RouteActionResult }
  | { status: 'requested'; request: CreatedPromotionRequest }
  | {
      status: 'failed';
      failure: ActionFailure;
      /** The action to resend with an override; absent for a promotion request. */
      request?: RouteActionRequest;
    };

/**
 * Sends route actions (or promotion requests) for one route and remembers
 * the outcome, so that it can be shown under the route and (for the
 * readiness guard) resent with an override.
 */
export function useRouteAction(options: {
  entityRef: CompoundEntityRef;
  target: RouteTarget;
  onChanged?: () => void;
  /** A promotion request was created: show it in the requests list. */
  onRequested?: () => void;
}) {
  const { entityRef, target, onChanged, onRequested } = options;
  const api = useApi(istioRolloutsApiRef);
  const [state, setState] = useState<RouteActionState>({ status: 'idle' });

  const send = useCallback(
    async (request: RouteActionRequest) => {
      setState({ status: 'pending', mode: 'apply' });
      try {
        const result = await api.applyRouteAction(entityRef, request);
        setState({ status: 'done', result });
        // Signals update the view too, but not at once; refetch so the bar
        // moves as soon as the write is done.
        onChanged?.();
      } catch (e) {
        const failure = describeFailure(e);
        setState({ status: 'failed', failure, request });
        // The route changed under us: show the current state before the
        // user tries again.
        if (failure.kind === 'conflict') onChanged?.();
      }
    },
    [api, entityRef, onChanged],
  );

  const run = useCallback(
    (operation: RouteOperation, reason?: string) =>
      send({ target, operation, ...(reason ? { reason } : {}) }),
    [send, target],
  );

  // Asks the owners instead of applying: the reason is required (the
  // approvers decide on it), and nothing changes on the cluster yet, so the
  // view is not refetched.
  const request = useCallback(
    async (change: RequestedRouteChange, reason: string) => {
      setState({ status: 'pending', mode: 'request' });
      try {
        const created = await api.createRequest(entityRef, {
          target,
          change,
          reason,
        });
        setState({ status: 'requested', request: created });
        onRequested?.();
      } catch (e) {
        const failure = describeFailure(e);
        // Readiness is checked again at approval; an override is an
        // approver's decision, not something to resend here.
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
    [api, entityRef, target, onChanged, onRequested],
  );

  const preview = useCallback(
    (operation: RouteOperation) =>
      api.applyRouteAction(entityRef, { target, operation, dryRun: true }),
    [api, entityRef, target],
  );

  const override = useCallback(
    (reason: string) => {
      if (state.status === 'failed' && state.request) {
        send({ ...state.request, allowUnready: { reason } });
      }
    },
    [send, state],
  );

  const dismiss = useCallback(() => setState({ status: 'idle' }), []);

  return { state, run, request, preview, override, dismiss };
}

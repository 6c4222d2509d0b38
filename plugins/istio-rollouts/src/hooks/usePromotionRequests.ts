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

import { useEffect, useRef } from 'react';
import { Entity, getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  ApprovalPolicy,
  OPEN_PROMOTION_REQUEST_STATUSES,
  PROMOTION_REQUEST_STATUSES,
  PromotionRequest,
  isOpenPromotionRequestStatus,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import {
  ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
  PromotionRequestSignal,
  istioRolloutsApiRef,
} from '../api/IstioRolloutsApi';
import { POLL_INTERVAL_MS } from './useRolloutView';

/**
 * Refresh period while signals work. The backend signals creations and
 * decisions, but an expiry happens on its own clock: a slow poll makes an
 * expired request leave the list without a page reload.
 */
export const REQUESTS_SLOW_POLL_MS = 60_000;

/** How many decided requests the card shows below the pending ones. */
export const RECENT_DECIDED_LIMIT = 5;

const OPEN = [...OPEN_PROMOTION_REQUEST_STATUSES];
const DECIDED = PROMOTION_REQUEST_STATUSES.filter(
  s => !isOpenPromotionRequestStatus(s),
);

/** An entity's promotion requests and the installation's approval policy. */
export interface PromotionRequestsState {
  /** Pending (and being applied), newest first. */
  pending: PromotionRequest[];
  /** The last few decided, newest first. */
  decided: PromotionRequest[];
  policy?: ApprovalPolicy;
  loading: boolean;
  error?: Error;
  /** Refetch now (after a decision, or after sending a request). */
  retry: () => void;
  /** Changes whenever a load finishes: lets other cards refresh alongside. */
  version: number;
}

/**
 * The entity's promotion requests, kept live: refetched when the backend
 * signals a request of this entity (by its topic), polled otherwise. Pending requests are
 * fetched on their own so that many decided ones never push them out.
 */
export function usePromotionRequests(entity: Entity): PromotionRequestsState {
  const api = useApi(istioRolloutsApiRef);
  const { kind, namespace, name } = getCompoundEntityRef(entity);
  const version = useRef(0);
  const state = useAsyncRetry(async () => {
    const ref = { kind, namespace, name };
    const [open, decided] = await Promise.all([
      api.listRequests(ref, { status: OPEN }),
      api.listRequests(ref, { status: DECIDED, limit: RECENT_DECIDED_LIMIT }),
    ]);
    version.current += 1;
    return {
      pending: open.items,
      decided: decided.items,
      policy: open.policy,
      signalTopic: open.signalTopic,
    };
  }, [api, kind, namespace, name]);
  const last = useRef(state.value);
  if (state.value) last.current = state.value;

  const { lastSignal, isSignalsAvailable } = useSignal<
    Partial<PromotionRequestSignal>
  >(ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL);
  const { retry } = state;
  // As in useRolloutView: one signal, one refetch, whatever retry's identity.
  const handled = useRef<unknown>(null);
  useEffect(() => {
    if (!lastSignal || handled.current === lastSignal) return;
    handled.current = lastSignal;
    // Signals name no entity: the list says which opaque topic is this one's.
    const topic = last.current?.signalTopic;
    if (topic && lastSignal.topic === topic) retry();
  }, [lastSignal, retry]);
  useInterval(
    retry,
    isSignalsAvailable ? REQUESTS_SLOW_POLL_MS : POLL_INTERVAL_MS,
  );

  return {
    pending: last.current?.pending ?? [],
    decided: last.current?.decided ?? [],
    policy: last.current?.policy,
    loading: state.loading && !last.current,
    error: last.current ? undefined : state.error,
    retry,
    version: version.current,
  };
}

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
import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import {
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  RolloutChangeSignal,
  istioRolloutsApiRef,
} from '../api/IstioRolloutsApi';

/** Refresh period when the app has no signals (no push updates). */
export const POLL_INTERVAL_MS = 10_000;

// The backend gives each cluster of the view the topics of the changes that
// concern it: the namespaces it shows, or any change on a cluster where it
// found nothing yet (discovery may now find it) or failed. Signals carry
// opaque topics only.
function concerns(
  view: EntityRolloutView,
  change: Partial<RolloutChangeSignal>,
): boolean {
  const topics = [change.topic, change.clusterTopic].filter(
    (t): t is string => typeof t === 'string',
  );
  return view.clusters.some(c => c.signalTopics?.some(t => topics.includes(t)));
}

/**
 * The entity's rollout view, kept live: refetched when the backend signals a
 * change that concerns it, or polled when signals are unavailable. The last
 * view stays on screen while a refresh runs, so the tab never flickers.
 */
export function useRolloutView(entity: Entity) {
  const api = useApi(istioRolloutsApiRef);
  const { kind, namespace, name } = getCompoundEntityRef(entity);
  const state = useAsyncRetry(
    () => api.getEntityView({ kind, namespace, name }),
    [api, kind, namespace, name],
  );
  const last = useRef<EntityRolloutView | undefined>(undefined);
  if (state.value) last.current = state.value;

  const { lastSignal, isSignalsAvailable } = useSignal<
    Partial<RolloutChangeSignal>
  >(ISTIO_ROLLOUTS_SIGNAL_CHANNEL);
  const { retry } = state;
  // retry() changes identity whenever loading toggles: remember which signal
  // was handled, so one signal causes one refetch.
  const handled = useRef<unknown>(null);
  useEffect(() => {
    if (!lastSignal || handled.current === lastSignal) return;
    handled.current = lastSignal;
    if (last.current && concerns(last.current, lastSignal)) {
      retry();
    }
  }, [lastSignal, retry]);
  useInterval(retry, isSignalsAvailable ? null : POLL_INTERVAL_MS);

  return {
    view: last.current,
    loading: state.loading && !last.current,
    error: last.current ? undefined : state.error,
    retry,
  };
}

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

import { WarningPanel } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  isIstioRolloutsAvailable,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Grid, Typography } from '@material-ui/core';
import { useMemo } from 'react';
import { usePromotionRequests } from '../../hooks/usePromotionRequests';
import { useRolloutView } from '../../hooks/useRolloutView';
import {
  PromotionRequestsCard,
  PromotionRequestsContext,
} from '../PromotionRequests';
import { RolloutHistoryCard } from '../RolloutHistory';
import { RolloutViewNotice, rolloutViewState } from '../RolloutViewState';
import { VirtualServiceCard } from '../VirtualServiceCard';
import { ClusterSyncStatus } from './ClusterSyncStatus';

const RolloutView = () => {
  const { entity } = useEntity();
  const { view: loaded, loading, error, retry } = useRolloutView(entity);
  // Loaded once for the tab: the card lists them, and every route's actions
  // need the approval policy to know whether promotions apply or request.
  const requests = usePromotionRequests(entity);
  const requestsContext = useMemo(
    () => ({
      policy: requests.policy,
      loading: requests.loading,
      refresh: requests.retry,
    }),
    [requests.policy, requests.loading, requests.retry],
  );
  const problems = readRolloutAnnotations(entity).problems;

  const state = rolloutViewState({
    annotated: true,
    view: loaded,
    loading,
    error,
  });
  if (!('view' in state)) return <RolloutViewNotice state={state} />;
  const { view } = state;
  // Past the states that leave nothing to show, the notice says what is
  // missing or failing above the requests and the history, which an entity
  // may have without any route showing now.
  const notice = state.kind !== 'found' || state.failures.length > 0;
  return (
    <PromotionRequestsContext.Provider value={requestsContext}>
      <Grid container spacing={3}>
        {problems.length > 0 && (
          <Grid item xs={12}>
            <WarningPanel title="Some annotations could not be used">
              {problems.map(p => (
                <Typography key={p} variant="body2">
                  {p}
                </Typography>
              ))}
            </WarningPanel>
          </Grid>
        )}
        {notice && (
          <Grid item xs={12}>
            <RolloutViewNotice state={state} />
          </Grid>
        )}
        <ClusterSyncStatus key={view.generatedAt} view={view} />
        {/* Pending requests first: they are what an owner has to act on. */}
        <Grid item xs={12}>
          <PromotionRequestsCard
            requests={requests}
            view={view}
            onRouteChanged={retry}
          />
        </Grid>
        {view.clusters.flatMap(c =>
          c.virtualServices.map(vs => (
            <Grid item xs={12} key={`${c.cluster}/${vs.namespace}/${vs.name}`}>
              <VirtualServiceCard
                vs={vs}
                cluster={c.cluster}
                onChanged={retry}
              />
            </Grid>
          )),
        )}
        <Grid item xs={12}>
          {/* A refetched view or request list may mean new records. */}
          <RolloutHistoryCard
            view={view}
            refreshKey={`${view.generatedAt}/${requests.version}`}
          />
        </Grid>
      </Grid>
    </PromotionRequestsContext.Provider>
  );
};

/**
 * The entity tab: per cluster, each VirtualService with its routes'
 * strategies, traffic split and versions, kept live.
 */
export const IstioRolloutsContent = () => {
  const { entity } = useEntity();
  if (!isIstioRolloutsAvailable(entity)) {
    return <RolloutViewNotice state={rolloutViewState({ annotated: false })} />;
  }
  return <RolloutView />;
};

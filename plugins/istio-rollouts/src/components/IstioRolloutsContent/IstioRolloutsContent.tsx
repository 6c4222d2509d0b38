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
  EmptyState,
  MissingAnnotationEmptyState,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ISTIO_ROLLOUTS_ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
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
import { VirtualServiceCard } from '../VirtualServiceCard';
import { ClusterSyncStatus } from './ClusterSyncStatus';

const ERROR_TITLES: Record<string, string> = {
  unreachable: 'Cluster unreachable',
  unauthorized: 'Cluster rejected the plugin credentials',
  forbidden: 'Missing Kubernetes permissions',
  'not-synced': 'Cluster still loading',
  unknown: 'Cluster error',
};

const RolloutView = () => {
  const { entity } = useEntity();
  const { view, loading, error, retry } = useRolloutView(entity);
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

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!view) return null;

  const nothingFound = view.clusters.every(
    c => !c.error && c.virtualServices.length === 0,
  );
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
        {view.clusters.length === 0 && (
          <Grid item xs={12}>
            <EmptyState
              missing="info"
              title="No cluster configured"
              description="Configure clusters under kubernetes.clusterLocatorMethods (type: config) in the app-config."
            />
          </Grid>
        )}
        {view.clusters
          .filter(c => c.error)
          .map(c => (
            <Grid item xs={12} key={`error-${c.cluster}`}>
              <WarningPanel
                severity="error"
                title={`${ERROR_TITLES[c.error!.type] ?? 'Cluster error'}: ${
                  c.cluster
                }`}
                message={c.error!.message}
              />
            </Grid>
          ))}
        <ClusterSyncStatus key={view.generatedAt} view={view} />
        {nothingFound && view.clusters.length > 0 && (
          <Grid item xs={12}>
            <EmptyState
              missing="data"
              title="No VirtualService found"
              description={`No VirtualService matches this service on ${view.clusters
                .map(c => c.cluster)
                .join(', ')}. Name them in the ${
                ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices
              } annotation, or label the service's Kubernetes Services with ${
                KUBERNETES_ANNOTATIONS.id
              }.`}
            />
          </Grid>
        )}
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
    return (
      <MissingAnnotationEmptyState
        annotation={[
          ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices,
          KUBERNETES_ANNOTATIONS.id,
        ]}
      />
    );
  }
  return <RolloutView />;
};

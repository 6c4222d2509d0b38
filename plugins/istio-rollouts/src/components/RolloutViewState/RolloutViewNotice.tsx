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
import {
  ISTIO_ROLLOUTS_ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box } from '@material-ui/core';
import { ClusterFailure, RolloutViewState } from './rolloutViewState';

/** One error panel per cluster that gave no view. */
const ClusterFailures = ({ failures }: { failures: ClusterFailure[] }) => (
  <>
    {failures.map(f => (
      <Box key={f.cluster} mb={1}>
        <WarningPanel severity="error" title={f.title} message={f.message} />
      </Box>
    ))}
  </>
);

/**
 * What the tab and the overview card say about the state of the entity's
 * rollout view, when it is anything but routes to show: the same words in
 * both places. For `found`, the clusters that failed alongside the routes.
 */
export const RolloutViewNotice = ({ state }: { state: RolloutViewState }) => {
  switch (state.kind) {
    case 'missing-annotation':
      return (
        <MissingAnnotationEmptyState
          annotation={[
            ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices,
            KUBERNETES_ANNOTATIONS.id,
          ]}
        />
      );
    case 'loading':
      return <Progress />;
    case 'permission-denied':
      return (
        <EmptyState
          missing="info"
          title="You may not see this service's rollouts"
          description={state.message}
        />
      );
    case 'error':
      return <ResponseErrorPanel error={state.error} />;
    case 'no-cluster':
      return (
        <EmptyState
          missing="info"
          title="No cluster configured"
          description="Configure clusters under kubernetes.clusterLocatorMethods (type: config) in the app-config."
        />
      );
    case 'nothing-found':
      return (
        <EmptyState
          missing="data"
          title="No VirtualService found"
          description={`No VirtualService matches this service on ${state.clusters.join(
            ', ',
          )}. Name them in the ${
            ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices
          } annotation, or label the service's Kubernetes Services with ${
            KUBERNETES_ANNOTATIONS.id
          }.`}
        />
      );
    default:
      // found: routes to show, and the clusters that failed alongside
      return <ClusterFailures failures={state.failures} />;
  }
};

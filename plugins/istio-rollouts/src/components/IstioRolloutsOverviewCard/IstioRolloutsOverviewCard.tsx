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
  InfoCard,
  MissingAnnotationEmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ISTIO_ROLLOUTS_ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
  isIstioRolloutsAvailable,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Typography } from '@material-ui/core';
import { useRolloutView } from '../../hooks/useRolloutView';
import { TrafficSplitBar } from '../TrafficSplitBar';

const Body = () => {
  const { entity } = useEntity();
  const { view, loading, error } = useRolloutView(entity);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const rows = view?.clusters.flatMap(c => [
    ...(c.error
      ? [
          <Typography key={`e-${c.cluster}`} color="error" variant="body2">
            {c.cluster}: {c.error.message}
          </Typography>,
        ]
      : []),
    ...c.virtualServices.flatMap(vs =>
      vs.routes.map(route => (
        <Box
          key={`${c.cluster}/${vs.namespace}/${vs.name}/${route.index}`}
          mb={1.5}
        >
          <Typography variant="body2">
            <b>{vs.name}</b>
            {route.name ? ` · ${route.name}` : ''}
            {view.clusters.length > 1 ? ` · ${c.cluster}` : ''}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {route.explanation}
          </Typography>
          {!route.delegate && (
            <TrafficSplitBar
              dense
              destinations={route.destinations}
              versions={vs.versions}
            />
          )}
        </Box>
      )),
    ),
  ]);
  return rows && rows.length ? (
    <>{rows}</>
  ) : (
    <Typography variant="body2">
      No VirtualService found for this service.
    </Typography>
  );
};

/** A compact card for the entity overview: each route's strategy and split. */
export const IstioRolloutsOverviewCard = () => {
  const { entity } = useEntity();
  return (
    <InfoCard title="Istio traffic">
      {isIstioRolloutsAvailable(entity) ? (
        <Body />
      ) : (
        <MissingAnnotationEmptyState
          annotation={[
            ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices,
            KUBERNETES_ANNOTATIONS.id,
          ]}
        />
      )}
    </InfoCard>
  );
};

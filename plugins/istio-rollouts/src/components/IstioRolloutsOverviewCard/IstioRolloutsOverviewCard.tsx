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

import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { isIstioRolloutsAvailable } from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Typography } from '@material-ui/core';
import { useRolloutView } from '../../hooks/useRolloutView';
import { RolloutViewNotice, rolloutViewState } from '../RolloutViewState';
import { TrafficSplitBar } from '../TrafficSplitBar';

const Body = () => {
  const { entity } = useEntity();
  const { view: loaded, loading, error } = useRolloutView(entity);
  const state = rolloutViewState({
    annotated: true,
    view: loaded,
    loading,
    error,
  });
  if (state.kind !== 'found') return <RolloutViewNotice state={state} />;
  const { view } = state;
  return (
    <>
      <RolloutViewNotice state={state} />
      {view.clusters.flatMap(c =>
        c.virtualServices.map(vs => (
          <Box key={`${c.cluster}/${vs.namespace}/${vs.name}`}>
            {vs.routes.length === 0 && (
              <Typography variant="body2">
                <b>{vs.name}</b> · no HTTP routes
              </Typography>
            )}
            {vs.routes.map(route => (
              <Box key={route.index} mb={1.5}>
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
            ))}
          </Box>
        )),
      )}
    </>
  );
};

/**
 * A compact card for the entity overview: each route's strategy and split,
 * or the same notice the tab shows for the same state.
 */
export const IstioRolloutsOverviewCard = () => {
  const { entity } = useEntity();
  return (
    <InfoCard title="Istio traffic">
      {isIstioRolloutsAvailable(entity) ? (
        <Body />
      ) : (
        <RolloutViewNotice state={rolloutViewState({ annotated: false })} />
      )}
    </InfoCard>
  );
};

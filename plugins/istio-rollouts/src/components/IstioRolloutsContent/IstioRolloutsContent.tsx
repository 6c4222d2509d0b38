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
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ISTIO_ROLLOUTS_ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
  isIstioRolloutsAvailable,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Grid, Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';

/**
 * The entity tab: what this entity's annotations point the plugin at, once
 * the backend answers.
 */
export const IstioRolloutsContent = () => {
  const { entity } = useEntity();
  const api = useApi(istioRolloutsApiRef);
  const available = isIstioRolloutsAvailable(entity);
  const health = useAsync(
    () => (available ? api.getHealth() : Promise.resolve(undefined)),
    [api, available],
  );

  if (!available) {
    return (
      <MissingAnnotationEmptyState
        annotation={[
          ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices,
          KUBERNETES_ANNOTATIONS.id,
        ]}
      />
    );
  }
  if (health.loading) {
    return <Progress />;
  }
  if (health.error) {
    return <ResponseErrorPanel error={health.error} />;
  }

  const read = readRolloutAnnotations(entity);
  const metadata: Record<string, string> = {
    VirtualServices:
      read.virtualServices
        .map(vs => (vs.namespace ? `${vs.namespace}/${vs.name}` : vs.name))
        .join(', ') ||
      `discovered from Services labelled ${KUBERNETES_ANNOTATIONS.id}=${
        read.kubernetesId ?? '?'
      }`,
    Namespace: read.namespace ?? 'cluster default',
    Cluster: read.cluster ?? 'every configured cluster',
    'Promoted route': read.route ?? 'the default (last) route',
    'Canary steps': read.canarySteps.map(step => `${step}%`).join(' → '),
  };

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard
          title="Istio Rollouts"
          subheader="What this service's annotations select"
        >
          <StructuredMetadataTable metadata={metadata} />
          {read.problems.map(problem => (
            <Typography key={problem} color="error" variant="body2">
              {problem}
            </Typography>
          ))}
        </InfoCard>
      </Grid>
    </Grid>
  );
};

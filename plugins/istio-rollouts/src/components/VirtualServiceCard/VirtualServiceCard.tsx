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

import { InfoCard, WarningPanel } from '@backstage/core-components';
import { Box, Typography } from '@material-ui/core';
import type {
  ManagedByView,
  TrackedByView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { CanaryAnalysisPanel } from '../CanaryAnalysis';
import { ControllerPanel } from '../ControllerPanel';
import { splitRouteOf } from '../MetricsParts';
import { ObservedTrafficSection } from '../ObservedTraffic';
import { RouteSection, WarningList } from '../RouteSection';
import { VersionsTable } from '../VersionsTable';

const CONTROLLER_NAMES: Record<ManagedByView['controller'], string> = {
  'argo-rollouts': 'Argo Rollouts',
  flagger: 'Flagger',
};
const GITOPS_NAMES: Record<TrackedByView['tool'], string> = {
  'argo-cd': 'Argo CD',
  flux: 'Flux',
};

function managedMessage(m: ManagedByView, kind: string): string {
  const details = [m.strategy, m.phase, m.step].filter(Boolean).join(', ');
  const name = CONTROLLER_NAMES[m.controller];
  // With the controller's state in the view, the panel below acts through it.
  const how =
    m.argo || m.flagger
      ? `Its routes are read-only here; act on the release through ${name}, below.`
      : `It is shown read-only here; change the rollout through ${name}.`;
  return `${name} (${m.namespace}/${m.name}${
    details ? `: ${details}` : ''
  }) sets this ${kind}'s weights. ${how}`;
}

/**
 * One VirtualService: banners, each http route, the traffic observed and
 * the canary analysis (when metrics are configured), non-http routes,
 * versions.
 */
export const VirtualServiceCard = ({
  vs,
  cluster,
  onChanged,
}: {
  vs: VirtualServiceView;
  cluster: string;
  /** Refetches the view; called after a route action or a scale. */
  onChanged?: () => void;
}) => {
  const split = vs.observed ? splitRouteOf(vs.routes) : undefined;
  const kind = vs.kind ?? 'VirtualService';
  return (
    <InfoCard
      title={`${vs.namespace}/${vs.name}`}
      subheader={`${kind} · cluster ${cluster} · hosts ${
        vs.hosts.join(', ') || '—'
      }${vs.gateways.length ? ` · gateways ${vs.gateways.join(', ')}` : ''}`}
    >
      {vs.managedBy && (
        <Box mb={2}>
          <WarningPanel
            severity="info"
            title={`Managed by ${CONTROLLER_NAMES[vs.managedBy.controller]}`}
            message={managedMessage(vs.managedBy, kind)}
          />
        </Box>
      )}
      {vs.readOnly && (
        <Box mb={2}>
          <WarningPanel
            severity="info"
            title={`Read-only: the cluster does not bind this ${kind} to this entity`}
            message={vs.readOnly}
          />
        </Box>
      )}
      {vs.trackedBy?.map(t => (
        <Box mb={2} key={`${t.tool}-${t.source}`}>
          <WarningPanel
            severity="warning"
            title={`Tracked by ${GITOPS_NAMES[t.tool]}`}
            message={`${GITOPS_NAMES[t.tool]} (${
              t.source
            }) tracks this ${kind}: a change made here may be reverted at the next sync unless it is also made in Git.`}
          />
        </Box>
      ))}
      <WarningList warnings={vs.warnings} />
      <ControllerPanel vs={vs} cluster={cluster} onChanged={onChanged} />
      {vs.routes.map(route => (
        // Keyed by name where there is one: inserting a targeted route shifts
        // indexes, and an action's outcome must stay under its own route.
        <RouteSection
          key={route.name ? `name:${route.name}` : `index:${route.index}`}
          route={route}
          versions={vs.versions}
          kind={vs.kind}
          actions={{ cluster, vs, onChanged }}
          observed={route === split ? vs.observed : undefined}
        />
      ))}
      {vs.observed && (
        <ObservedTrafficSection
          observed={vs.observed}
          versions={vs.versions}
          split={split}
          kind={vs.kind}
        />
      )}
      {vs.analysis && (
        <CanaryAnalysisPanel
          analysis={vs.analysis}
          versions={vs.versions}
          routes={vs.routes}
          kind={vs.kind}
        />
      )}
      {vs.nonHttpRoutes.map(r => (
        <Typography key={`${r.protocol}-${r.index}`} variant="body2">
          {r.protocol.toUpperCase()} route #{r.index + 1} (read-only):{' '}
          {r.destinations
            .map(d => `${d.host}${d.subset ? `/${d.subset}` : ''} ${d.weight}%`)
            .join(', ')}
        </Typography>
      ))}
      <Box mt={2}>
        <VersionsTable
          versions={vs.versions}
          scale={vs.managedBy ? undefined : { cluster, onChanged }}
        />
      </Box>
    </InfoCard>
  );
};

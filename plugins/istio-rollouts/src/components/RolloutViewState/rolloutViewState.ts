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

import { ResponseError } from '@backstage/errors';
import type {
  ClusterErrorView,
  EntityRolloutView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/** A cluster that gave no view, as people are told about it. */
export interface ClusterFailure {
  cluster: string;
  title: string;
  message: string;
}

/**
 * What the entity's rollout view amounts to, for the tab and the overview
 * card alike: both render it with RolloutViewNotice, so that the same state
 * reads the same in both.
 */
export type RolloutViewState =
  | { kind: 'missing-annotation' }
  | { kind: 'loading' }
  | { kind: 'permission-denied'; message: string }
  | { kind: 'error'; error: Error }
  | { kind: 'no-cluster'; view: EntityRolloutView }
  | { kind: 'nothing-found'; view: EntityRolloutView; clusters: string[] }
  /** Routes to show, or clusters that failed (`failures`), or both. */
  | { kind: 'found'; view: EntityRolloutView; failures: ClusterFailure[] };

const CLUSTER_ERROR_TITLES: Record<ClusterErrorView['type'], string> = {
  unreachable: 'Cluster unreachable',
  unauthorized: 'Cluster rejected the plugin credentials',
  forbidden: 'Missing Kubernetes permissions',
  'not-synced': 'Cluster still loading',
  unknown: 'Cluster error',
};

// The backend answers 403 (NotAllowedError) when the user may not read the
// entity's rollouts: a state of its own, not a failure to report.
function refusal(error: Error): string | undefined {
  if (ResponseError.is(error)) {
    return error.statusCode === 403
      ? error.cause.message || error.message
      : undefined;
  }
  return error.name === 'NotAllowedError' ? error.message : undefined;
}

/**
 * Decides which state the entity's rollout view is in, from whether the
 * entity carries the plugin's annotations and what useRolloutView returned.
 */
export function rolloutViewState(input: {
  annotated: boolean;
  loading?: boolean;
  error?: Error;
  view?: EntityRolloutView;
}): RolloutViewState {
  const { annotated, loading, error, view } = input;
  if (!annotated) return { kind: 'missing-annotation' };
  if (error) {
    const message = refusal(error);
    return message !== undefined
      ? { kind: 'permission-denied', message }
      : { kind: 'error', error };
  }
  if (loading || !view) return { kind: 'loading' };
  if (view.clusters.length === 0) return { kind: 'no-cluster', view };
  const failures = view.clusters.flatMap(c =>
    c.error
      ? [
          {
            cluster: c.cluster,
            title: `${
              CLUSTER_ERROR_TITLES[c.error.type] ?? CLUSTER_ERROR_TITLES.unknown
            }: ${c.cluster}`,
            message: c.error.message,
          },
        ]
      : [],
  );
  const found = view.clusters.some(c => c.virtualServices.length > 0);
  if (!found && failures.length === 0) {
    return {
      kind: 'nothing-found',
      view,
      clusters: view.clusters.map(c => c.cluster),
    };
  }
  return { kind: 'found', view, failures };
}

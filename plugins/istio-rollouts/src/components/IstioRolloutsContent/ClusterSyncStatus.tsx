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
import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { Grid, Typography } from '@material-ui/core';
import { useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/** "12 s", "3 min", "2 h": how long ago, for people. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h`;
}

/**
 * Per cluster, when the backend's copy was last synced; a warning for each
 * cluster whose copy is stale (the API server stopped answering or a watch
 * broke). Ages are measured on the server's clock (the view's generatedAt)
 * plus the time since the view arrived, so a skewed browser clock does not
 * matter. A fresh cluster's age is the one the view was computed with: the
 * view is kept live, and the backend signals when a cluster goes stale.
 * A stale cluster's age keeps counting. Mount it keyed by the view's
 * generatedAt: it notes when the view arrived.
 */
export const ClusterSyncStatus = ({ view }: { view: EntityRolloutView }) => {
  const [receivedAt] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  const anyStale = view.clusters.some(c => c.stale);
  useInterval(() => setNow(Date.now()), anyStale ? 1000 : null);

  const synced = view.clusters.filter(c => c.syncedAt);
  if (synced.length === 0) return null;
  const generatedAt = Date.parse(view.generatedAt);
  const age = (c: (typeof synced)[number]) =>
    formatAge(
      generatedAt -
        Date.parse(c.syncedAt!) +
        (c.stale ? Math.max(0, now - receivedAt) : 0),
    );
  const fresh = synced.filter(c => !c.stale);
  return (
    <>
      {synced
        .filter(c => c.stale)
        .map(c => (
          <Grid item xs={12} key={`stale-${c.cluster}`}>
            <WarningPanel
              severity="warning"
              defaultExpanded
              title={`Cluster ${
                c.cluster
              } may be out of date: last synced ${age(c)} ago`}
              message={c.stale!.message}
            />
          </Grid>
        ))}
      {fresh.length > 0 && (
        <Grid item xs={12}>
          <Typography variant="caption" color="textSecondary">
            {fresh
              .map(c => `${c.cluster}: last synced ${age(c)} ago`)
              .join(' · ')}
          </Typography>
        </Grid>
      )}
    </>
  );
};

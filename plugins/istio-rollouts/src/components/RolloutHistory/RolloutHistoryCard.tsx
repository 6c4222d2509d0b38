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

import { useMemo, useState } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Box,
  Button,
  FormControlLabel,
  Switch,
  Typography,
} from '@material-ui/core';
import { useRolloutHistory } from '../../hooks/useRolloutHistory';
import { versionsLookup } from '../AuditParts';
import { HistoryTimeline } from './HistoryTimeline';
import { WeightsChart } from './WeightsChart';
import { weightTimelines } from './weightTimelines';

/**
 * The entity's history: per route, how its weights moved (from the loaded
 * records), then every recorded action, newest first, with "Load more".
 */
export const RolloutHistoryCard = ({
  view,
  refreshKey,
  now,
}: {
  /** Labels and colours versions as the tab does. */
  view?: EntityRolloutView;
  /** Refetches the newest records when it changes. */
  refreshKey?: unknown;
  /** Right edge of the charts; the current time by default. */
  now?: number;
}) => {
  const { entity } = useEntity();
  const history = useRolloutHistory(entity, refreshKey);
  const lookup = useMemo(() => versionsLookup(view), [view]);
  // Changes made outside Backstage are shown by default: the chart always
  // counts them (they moved traffic); the list can leave them out.
  const [showObserved, setShowObserved] = useState(true);
  const listed = useMemo(
    () =>
      showObserved
        ? history.records
        : history.records.filter(r => r.outcome !== 'observed'),
    [history.records, showObserved],
  );
  const timelines = useMemo(
    () => weightTimelines(history.records),
    [history.records],
  );

  let body;
  if (history.loading) {
    body = <Progress />;
  } else if (history.error) {
    body = <ResponseErrorPanel error={history.error} />;
  } else if (history.records.length === 0) {
    body = (
      <Typography variant="body2" color="textSecondary">
        No changes recorded yet. Promotions, rollbacks and scaling appear here
        with who made them and why, and so do route changes made outside
        Backstage (kubectl, GitOps tools, rollout controllers).
      </Typography>
    );
  } else {
    body = (
      <>
        {timelines.map(timeline => (
          <Box key={timeline.key} mb={3}>
            <WeightsChart
              timeline={timeline}
              versions={lookup(timeline)}
              now={now}
            />
          </Box>
        ))}
        <FormControlLabel
          control={
            <Switch
              size="small"
              checked={showObserved}
              onChange={(_e, checked) => setShowObserved(checked)}
            />
          }
          label="Show changes made outside Backstage (kubectl, GitOps, controllers)"
        />
        <HistoryTimeline records={listed} versions={lookup} />
        {history.moreError && (
          <Typography variant="body2" color="error" role="alert">
            Could not load older records: {history.moreError.message}
          </Typography>
        )}
        {history.hasMore && (
          <Box mt={1}>
            <Button
              size="small"
              onClick={history.loadMore}
              disabled={history.loadingMore}
            >
              {history.loadingMore ? 'Loading…' : 'Load more'}
            </Button>
          </Box>
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="History"
      subheader={
        timelines.length > 0
          ? 'Weights over time from the records loaded below'
          : undefined
      }
    >
      {body}
    </InfoCard>
  );
};

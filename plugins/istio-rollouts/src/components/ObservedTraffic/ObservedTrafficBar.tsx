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

import { Box, Typography } from '@material-ui/core';
import type {
  ObservedTrafficView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { formatPercent, formatWindow } from '../MetricsParts';
import { ShareBar, versionColor } from '../TrafficSplitBar';

/**
 * The shares the versions really received, as a thin bar in the split's
 * colours, to sit under the configured split. Nothing when the metrics
 * could not be read (the observed table says why).
 */
export const ObservedTrafficBar = ({
  observed,
  versions,
}: {
  observed: ObservedTrafficView;
  versions: VersionView[];
}) => {
  if (observed.error) return null;
  const keys = versions.map(v => v.key);
  const labelOf = (key: string) =>
    versions.find(v => v.key === key)?.label ?? key;
  const received = observed.versions.filter(
    t => t.share !== null && t.share > 0,
  );
  const caption = `Observed, ${formatWindow(observed.window)}`;
  return (
    <Box mt={1}>
      <Typography variant="caption" color="textSecondary" component="div">
        {received.length
          ? caption
          : `${caption}: no requests to the measured versions`}
      </Typography>
      {received.length > 0 && (
        <ShareBar
          ariaLabel={`Observed traffic: ${received
            .map(t => `${labelOf(t.versionKey)} ${formatPercent(t.share)}`)
            .join(', ')}`}
          height={12}
          segments={received.map(t => ({
            key: t.versionKey,
            color: versionColor(keys, t.versionKey),
            amount: t.share ?? 0,
            label: `${labelOf(t.versionKey)} ${formatPercent(t.share)}`,
          }))}
        />
      )}
    </Box>
  );
};

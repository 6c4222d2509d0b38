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

import { Box } from '@material-ui/core';
import type {
  DestinationView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ShareBar } from './ShareBar';
import { VersionLegend } from './VersionLegend';
import { versionColor } from './versionColors';

export interface TrafficSplitBarProps {
  destinations: DestinationView[];
  versions: VersionView[];
  /** Compact: a thin bar without the legend, for the overview card. */
  dense?: boolean;
}

/**
 * How a route's traffic is split, one coloured segment per version, each
 * labelled with its percentage (also in the legend, for small segments).
 */
export const TrafficSplitBar = ({
  destinations,
  versions,
  dense,
}: TrafficSplitBarProps) => {
  const keys = versions.map(v => v.key);
  const labelOf = (key: string) =>
    versions.find(v => v.key === key)?.label ?? key;
  const ariaLabel = destinations
    .map(d => `${labelOf(d.versionKey)} ${d.weight}%`)
    .join(', ');

  return (
    <Box>
      <ShareBar
        ariaLabel={`Traffic split: ${ariaLabel}`}
        height={dense ? 12 : 28}
        showLabels={!dense}
        segments={destinations.map(d => ({
          key: `${d.versionKey}-${d.port ?? ''}`,
          color: versionColor(keys, d.versionKey),
          amount: d.weight,
          label: `${labelOf(d.versionKey)} ${d.weight}%`,
        }))}
      />
      {!dense && (
        <VersionLegend
          items={destinations.map(d => ({
            key: `${d.versionKey}-${d.port ?? ''}`,
            color: versionColor(keys, d.versionKey),
            label: `${labelOf(d.versionKey)}: ${d.weight}%`,
          }))}
        />
      )}
    </Box>
  );
};

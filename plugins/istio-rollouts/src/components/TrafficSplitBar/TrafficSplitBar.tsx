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

import { Box, Tooltip, makeStyles } from '@material-ui/core';
import type {
  DestinationView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { VersionLegend } from './VersionLegend';
import { versionColor } from './versionColors';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    width: '100%',
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
    border: `1px solid ${theme.palette.divider}`,
  },
  segment: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: '#fff',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    fontWeight: 600,
    textShadow: '0 0 2px rgba(0,0,0,0.6)',
  },
}));

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
  const classes = useStyles();
  const keys = versions.map(v => v.key);
  const labelOf = (key: string) =>
    versions.find(v => v.key === key)?.label ?? key;
  const total = destinations.reduce((sum, d) => sum + Math.max(d.weight, 0), 0);
  const ariaLabel = destinations
    .map(d => `${labelOf(d.versionKey)} ${d.weight}%`)
    .join(', ');

  return (
    <Box>
      <div
        className={classes.bar}
        role="img"
        aria-label={`Traffic split: ${ariaLabel}`}
        style={{ height: dense ? 12 : 28 }}
      >
        {destinations
          .filter(d => d.weight > 0)
          .map(d => (
            <Tooltip
              key={`${d.versionKey}-${d.port ?? ''}`}
              title={`${labelOf(d.versionKey)}: ${d.weight}%`}
            >
              <div
                className={classes.segment}
                style={{
                  width: `${
                    total > 0 ? (Math.max(d.weight, 0) / total) * 100 : 0
                  }%`,
                  background: versionColor(keys, d.versionKey),
                }}
              >
                {!dense && d.weight >= 8
                  ? `${labelOf(d.versionKey)} ${d.weight}%`
                  : ''}
              </div>
            </Tooltip>
          ))}
      </div>
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

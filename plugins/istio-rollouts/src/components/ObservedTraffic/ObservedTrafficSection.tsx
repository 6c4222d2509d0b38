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

import { Table, TableColumn } from '@backstage/core-components';
import { Box, Tooltip, Typography } from '@material-ui/core';
import type {
  ObservedTrafficView,
  ObservedVersionTraffic,
  RouteView,
  RoutingObjectKind,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { formatTime, routeLabel } from '../AuditParts';
import {
  NO_VALUE,
  ObservedRow,
  formatClockTime,
  formatMs,
  formatPercent,
  formatRps,
  formatWindow,
  observedRows,
} from '../MetricsParts';
import { versionColor } from '../TrafficSplitBar';

interface Row extends ObservedRow {
  id: string;
  color: string;
}

/** Shown for a version without numbers, with the reason on hover. */
const Missing = ({ reason }: { reason: string }) => (
  <Tooltip title={reason}>
    <span>{NO_VALUE}</span>
  </Tooltip>
);

const NOT_IN_METRICS =
  'The metrics have no requests recorded for this version in the window';

/** A column of the version's numbers, or "—" with why there are none. */
function observedColumn(
  title: string,
  value: (t: ObservedVersionTraffic) => string,
): TableColumn<Row> {
  return {
    title,
    align: 'right',
    render: row => {
      if (row.traffic) return value(row.traffic);
      return <Missing reason={row.unmeasured ?? NOT_IN_METRICS} />;
    },
  };
}

function columns(
  split: RouteView | undefined,
  kind: RoutingObjectKind | undefined,
): TableColumn<Row>[] {
  return [
    {
      title: 'Version',
      render: ({ label, color }) => (
        <Typography variant="body2" style={{ fontWeight: 600 }}>
          <span
            style={{
              display: 'inline-block',
              width: 10,
              height: 10,
              borderRadius: 2,
              marginRight: 6,
              background: color,
            }}
          />
          {label}
        </Typography>
      ),
    },
    {
      title: split
        ? `Configured (${routeLabel(split.name ?? split.index, kind)})`
        : 'Configured',
      align: 'right',
      render: ({ configured }) =>
        configured === undefined ? NO_VALUE : `${configured}%`,
    },
    observedColumn('Observed share', t => formatPercent(t.share)),
    observedColumn('Requests/s', t => formatRps(t.requestsPerSecond)),
    observedColumn('Success rate', t => formatPercent(t.successRate)),
    observedColumn('p99 latency', t => formatMs(t.p99Ms)),
  ];
}

/**
 * What each version really received over the metrics window, next to the
 * weight its split route gives it. When the metrics could not be read, a
 * warning says why and the rest of the card stays as it is.
 */
export const ObservedTrafficSection = ({
  observed,
  versions,
  split,
  kind,
}: {
  observed: ObservedTrafficView;
  versions: VersionView[];
  /** The route whose weights the shares compare with (see splitRouteOf). */
  split?: RouteView;
  /** The routing object's kind, which names its routes (absent: VirtualService). */
  kind?: RoutingObjectKind;
}) => {
  const keys = versions.map(v => v.key);
  const data: Row[] = observedRows(versions, observed, split).map(row => ({
    ...row,
    id: row.versionKey,
    color: versionColor(keys, row.versionKey),
  }));
  return (
    <Box mt={2} role="region" aria-label="Observed traffic">
      <Typography variant="subtitle1">Observed traffic</Typography>
      {observed.error ? (
        <Typography variant="body2" color="error">
          ⚠ The metrics could not be read: {observed.error}
        </Typography>
      ) : (
        <>
          <Typography variant="caption" color="textSecondary" component="div">
            {formatWindow(observed.window)}, read{' '}
            <Tooltip title={formatTime(observed.at)}>
              <span>{formatClockTime(observed.at)}</span>
            </Tooltip>{' '}
            from Prometheus
          </Typography>
          <Table<Row>
            options={{
              paging: false,
              search: false,
              sorting: false,
              padding: 'dense',
              toolbar: false,
            }}
            columns={columns(split, kind)}
            data={data}
          />
        </>
      )}
    </Box>
  );
};

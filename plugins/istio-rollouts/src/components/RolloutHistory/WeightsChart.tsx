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

import { useMemo } from 'react';
import { makeStyles } from '@material-ui/core';
import type { VersionView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { actionLabel, describeTarget, formatTime } from '../AuditParts';
import { findVersion } from '../RouteActions/routeModel';
import { VersionLegend, versionColor } from '../TrafficSplitBar';
import {
  TimelineDestination,
  WeightTimeline,
  stepPoints,
  weightSequence,
} from './weightTimelines';

// Drawing area, in viewBox units; the SVG scales to the card's width.
const WIDTH = 900;
const HEIGHT = 200;
const MARGIN = { top: 12, right: 16, bottom: 28, left: 44 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const GRID = [0, 25, 50, 75, 100];
/**
 * The route's state before the first loaded change has no recorded start:
 * it gets this share of the charted span on the left, whatever that span.
 */
const LEAD_SHARE = 0.12;

/** Vertical position of a weight (0–100%), in viewBox units. */
export function weightToY(weight: number): number {
  return MARGIN.top + (1 - weight / 100) * PLOT_H;
}

const useStyles = makeStyles(theme => ({
  svg: { width: '100%', height: 'auto', display: 'block' },
  grid: { stroke: theme.palette.divider, strokeWidth: 1 },
  axisText: { fill: theme.palette.text.secondary, fontSize: 11 },
  // Read by screen readers, not shown: the chart's numbers as a table.
  visuallyHidden: {
    border: 0,
    clip: 'rect(0 0 0 0)',
    height: 1,
    margin: -1,
    overflow: 'hidden',
    padding: 0,
    position: 'absolute',
    whiteSpace: 'nowrap',
    width: 1,
  },
}));

interface Series {
  destination: TimelineDestination;
  label: string;
  color: string;
}

// Colours as in the split bar: by the version's place among the
// VirtualService's versions. Versions gone from the view since get the
// colours after those, in order of appearance.
function seriesOf(timeline: WeightTimeline, versions: VersionView[]): Series[] {
  const keys = versions.map(v => v.key);
  const found = timeline.destinations.map(d => ({
    destination: d,
    version: findVersion(versions, d),
  }));
  const extra = found.filter(f => !f.version).map(f => f.destination.key);
  const palette = [...keys, ...extra];
  return found.map(({ destination, version }) => ({
    destination,
    label: version?.label ?? destination.subset ?? destination.host,
    color: versionColor(palette, version?.key ?? destination.key),
  }));
}

/** `Weights over time on local · demo/reviews · Route "primary": v1 90% → 75% → 50%; v2 10% → 25% → 50%`. */
export function chartSummary(
  timeline: WeightTimeline,
  series: Array<{ destination: TimelineDestination; label: string }>,
): string {
  const lines = series.map(
    s =>
      `${s.label} ${weightSequence(timeline, s.destination.key)
        .map(w => `${w}%`)
        .join(' → ')}`,
  );
  return `Weights over time on ${describeTarget(timeline)}: ${lines.join(
    '; ',
  )}`;
}

/**
 * A step chart of each destination's weight (0–100%) on one route, from
 * the applied changes in the loaded history up to `now`. Hand-written SVG:
 * a chart library would be the plugin's largest dependency for one chart.
 */
export const WeightsChart = ({
  timeline,
  versions,
  now = Date.now(),
}: {
  timeline: WeightTimeline;
  versions: VersionView[];
  /** Right edge of the chart (the current weights hold until then). */
  now?: number;
}) => {
  const classes = useStyles();
  const series = useMemo(
    () => seriesOf(timeline, versions),
    [timeline, versions],
  );
  const first = timeline.states[0]?.time ?? now;
  const last = timeline.states[timeline.states.length - 1]?.time ?? now;
  const end = Math.max(now, last);
  const start = first - Math.max(end - first, 1000) * LEAD_SHARE;
  const x = (t: number) => MARGIN.left + ((t - start) / (end - start)) * PLOT_W;
  const y = weightToY;
  const summary = chartSummary(timeline, series);
  const changes = timeline.states.slice(1);

  return (
    <div>
      <svg
        className={classes.svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
      >
        <title>{summary}</title>
        {GRID.map(w => (
          <g key={w}>
            <line
              className={classes.grid}
              x1={MARGIN.left}
              x2={WIDTH - MARGIN.right}
              y1={y(w)}
              y2={y(w)}
            />
            <text
              className={classes.axisText}
              x={MARGIN.left - 6}
              y={y(w) + 4}
              textAnchor="end"
            >
              {w}%
            </text>
          </g>
        ))}
        {changes.map(state => (
          <line
            key={`tick-${state.record?.id}`}
            className={classes.grid}
            x1={x(state.time)}
            x2={x(state.time)}
            y1={MARGIN.top + PLOT_H}
            y2={MARGIN.top + PLOT_H + 5}
          />
        ))}
        <text
          className={classes.axisText}
          x={MARGIN.left}
          y={HEIGHT - 6}
          textAnchor="start"
        >
          before
        </text>
        <text
          className={classes.axisText}
          x={x(first)}
          y={HEIGHT - 6}
          textAnchor="start"
        >
          {formatTime(new Date(first).toISOString())}
        </text>
        <text
          className={classes.axisText}
          x={WIDTH - MARGIN.right}
          y={HEIGHT - 6}
          textAnchor="end"
        >
          {end === now ? 'now' : formatTime(new Date(end).toISOString())}
        </text>
        {series.map(s => {
          const points = stepPoints(timeline, s.destination.key, start, end);
          const d = points
            .map((p, i) => `${i ? 'L' : 'M'}${x(p.time)},${y(p.weight)}`)
            .join(' ');
          return (
            <path
              key={s.destination.key}
              d={d}
              fill="none"
              stroke={s.color}
              strokeWidth={2.5}
              strokeLinejoin="round"
              data-testid={`weights-${s.label}`}
            />
          );
        })}
        {changes.flatMap(state =>
          series.map(s => (
            <circle
              key={`${state.record?.id}-${s.destination.key}`}
              cx={x(state.time)}
              cy={y(state.weights[s.destination.key] ?? 0)}
              r={3.5}
              fill={s.color}
            >
              <title>
                {`${s.label} ${state.weights[s.destination.key] ?? 0}% · ${
                  state.record ? actionLabel(state.record.action) : ''
                } · ${formatTime(state.record?.createdAt ?? '')}`}
              </title>
            </circle>
          )),
        )}
      </svg>
      <VersionLegend
        hidden
        items={series.map(s => ({
          key: s.destination.key,
          color: s.color,
          label: s.label,
        }))}
      />
      <table className={classes.visuallyHidden}>
        <caption>{summary}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Change</th>
            {series.map(s => (
              <th scope="col" key={s.destination.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {timeline.states.map((state, i) => (
            <tr key={state.record?.id ?? `initial-${i}`}>
              <td>{formatTime(new Date(state.time).toISOString())}</td>
              <td>
                {state.record ? actionLabel(state.record.action) : 'Before'}
              </td>
              {series.map(s => (
                <td key={s.destination.key}>
                  {state.weights[s.destination.key] ?? 0}%
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

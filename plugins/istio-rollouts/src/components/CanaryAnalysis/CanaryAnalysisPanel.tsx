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
import { Box, Chip, Tooltip, Typography, makeStyles } from '@material-ui/core';
import type {
  CanaryAnalysisView,
  MetricCheckResult,
  RouteView,
  RoutingObjectKind,
  VersionComparison,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { formatTime, routeLabel } from '../AuditParts';
import {
  VerdictStatus,
  comparisonOutcome,
  formatClockTime,
  formatMetricValue,
  formatPValue,
  formatThreshold,
  formatTolerance,
  formatWindow,
  verdictLabel,
} from '../MetricsParts';

const useStyles = makeStyles(theme => ({
  root: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1.5, 2),
    marginTop: theme.spacing(2),
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  when: { marginLeft: 'auto' },
  reasons: { margin: theme.spacing(1, 0), paddingLeft: theme.spacing(3) },
  query: {
    fontFamily: 'monospace',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
  },
}));

const TABLE_OPTIONS = {
  paging: false,
  search: false,
  sorting: false,
  padding: 'dense' as const,
  toolbar: false,
};

interface CheckRow extends MetricCheckResult {
  id: string;
}

interface ComparisonRow extends VersionComparison {
  id: string;
}

const CHECK_OUTCOMES: Record<MetricCheckResult['outcome'], string> = {
  pass: 'pass',
  fail: 'fail',
  'no-data': 'no data',
};

const CheckName = ({ check }: { check: MetricCheckResult }) => {
  const classes = useStyles();
  // Interactive, so the query can be selected and copied into Prometheus.
  return (
    <Tooltip
      interactive
      title={<span className={classes.query}>{check.query}</span>}
    >
      <span className={classes.query}>{check.name}</span>
    </Tooltip>
  );
};

const checkColumns: TableColumn<CheckRow>[] = [
  { title: 'Check', render: check => <CheckName check={check} /> },
  {
    title: 'Value',
    align: 'right',
    render: c => formatMetricValue(c.name, c.value),
  },
  {
    title: 'Threshold',
    align: 'right',
    render: c => formatThreshold(c.name, c.threshold),
  },
  {
    title: 'Outcome',
    render: c => (
      <Tooltip title={c.message}>
        <span>
          <VerdictStatus outcome={c.outcome}>
            {CHECK_OUTCOMES[c.outcome]}
          </VerdictStatus>
        </span>
      </Tooltip>
    ),
  },
];

/** `12.5 ms (6 samples)`: a median and how many samples it came from. */
function median(metric: string, side: VersionComparison['canary']): string {
  return `${formatMetricValue(metric, side.median)} (${side.samples} sample${
    side.samples === 1 ? '' : 's'
  })`;
}

const comparisonColumns: TableColumn<ComparisonRow>[] = [
  {
    title: 'Metric',
    render: c => <span style={{ fontFamily: 'monospace' }}>{c.metric}</span>,
  },
  {
    title: 'Canary median',
    align: 'right',
    render: c => median(c.metric, c.canary),
  },
  {
    title: 'Stable median',
    align: 'right',
    render: c => median(c.metric, c.stable),
  },
  { title: 'p-value', align: 'right', render: c => formatPValue(c.pValue) },
  {
    title: 'Tolerance',
    align: 'right',
    render: c => formatTolerance(c.tolerance),
  },
  {
    title: 'Outcome',
    render: c => {
      const { status, text } = comparisonOutcome(c);
      return (
        <Tooltip title={c.message}>
          <span>
            <VerdictStatus outcome={status}>{text}</VerdictStatus>
          </span>
        </Tooltip>
      );
    },
  },
];

/**
 * The canary analysis of a routing object's split route: the verdict and
 * why, each metric check against its threshold, and each statistical
 * comparison of canary against stable, with whether a failing verdict
 * rolls the route back on its own.
 */
export const CanaryAnalysisPanel = ({
  analysis,
  versions,
  routes,
  kind,
}: {
  analysis: CanaryAnalysisView;
  versions: VersionView[];
  routes: RouteView[];
  /** The routing object's kind, which names its routes (absent: VirtualService). */
  kind?: RoutingObjectKind;
}) => {
  const classes = useStyles();
  const labelOf = (key: string) =>
    versions.find(v => v.key === key)?.label ?? key;
  const route = routes.find(r => r.index === analysis.route);
  return (
    <Box className={classes.root} role="region" aria-label="Canary analysis">
      <div className={classes.header}>
        <VerdictStatus outcome={analysis.verdict} variant="subtitle1">
          Canary analysis: {verdictLabel(analysis.verdict)}
        </VerdictStatus>
        <Tooltip
          title={
            analysis.autoRollback
              ? 'A failing verdict rolls this route back to the stable version'
              : 'A failing verdict is shown only; the istio-rollouts/analysis annotation can turn automatic rollback on'
          }
        >
          <Chip
            size="small"
            variant="outlined"
            color={analysis.autoRollback ? 'primary' : 'default'}
            label={`Auto-rollback ${analysis.autoRollback ? 'on' : 'off'}`}
          />
        </Tooltip>
        <Typography
          variant="caption"
          color="textSecondary"
          className={classes.when}
        >
          {formatWindow(analysis.window)}, evaluated{' '}
          <Tooltip title={formatTime(analysis.evaluatedAt)}>
            <span>{formatClockTime(analysis.evaluatedAt)}</span>
          </Tooltip>
        </Typography>
      </div>
      <Typography variant="body2" color="textSecondary">
        {routeLabel(route?.name ?? analysis.route, kind)}: canary{' '}
        {labelOf(analysis.canaryVersionKey)} against stable{' '}
        {labelOf(analysis.stableVersionKey)}
      </Typography>
      {analysis.reasons.length > 0 && (
        <ul className={classes.reasons} aria-label="Reasons">
          {analysis.reasons.map(reason => (
            <li key={reason}>
              <Typography variant="body2">{reason}</Typography>
            </li>
          ))}
        </ul>
      )}
      {analysis.checks.length > 0 && (
        <Box mt={1}>
          <Typography variant="subtitle2">Checks</Typography>
          <Table<CheckRow>
            options={TABLE_OPTIONS}
            columns={checkColumns}
            data={analysis.checks.map(c => ({ ...c, id: c.name }))}
          />
        </Box>
      )}
      {analysis.comparisons.length > 0 && (
        <Box mt={1}>
          <Typography variant="subtitle2">Canary against stable</Typography>
          <Table<ComparisonRow>
            options={TABLE_OPTIONS}
            columns={comparisonColumns}
            data={analysis.comparisons.map(c => ({ ...c, id: c.metric }))}
          />
        </Box>
      )}
    </Box>
  );
};

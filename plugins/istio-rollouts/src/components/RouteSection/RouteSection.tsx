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

import { Box, Chip, Typography, makeStyles } from '@material-ui/core';
import type {
  MatchRuleView,
  ObservedTrafficView,
  RolloutStrategy,
  RolloutWarning,
  RouteView,
  RoutingObjectKind,
  VersionView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { routeLabel } from '../AuditParts';
import { ObservedTrafficBar } from '../ObservedTraffic';
import { RouteActions } from '../RouteActions';
import { TrafficSplitBar } from '../TrafficSplitBar';

const STRATEGY_LABELS: Record<RolloutStrategy, string> = {
  canary: 'Canary',
  'blue-green': 'Blue-green',
  targeted: 'Targeted (A/B)',
  mirror: 'Mirror',
  rolling: 'Rolling update',
  recreate: 'Recreate',
  managed: 'Managed',
  unknown: 'Unknown',
};

const useStyles = makeStyles(theme => ({
  root: {
    padding: theme.spacing(1.5, 0),
    borderTop: `1px solid ${theme.palette.divider}`,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  match: { fontFamily: 'monospace' },
}));

function describeRule(rule: MatchRuleView): string {
  const subject = rule.name ? `${rule.kind} ${rule.name}` : rule.kind;
  return `${subject} ${rule.operator ?? '='} ${rule.value}`;
}

/** Warnings, one line each, coloured by severity. */
export const WarningList = ({ warnings }: { warnings: RolloutWarning[] }) => (
  <>
    {warnings.map(w => (
      <Typography
        key={`${w.code}-${w.message}`}
        variant="body2"
        color={w.severity === 'info' ? 'textSecondary' : 'error'}
      >
        {w.severity === 'info' ? 'ℹ' : '⚠'} {w.message}
      </Typography>
    ))}
  </>
);

/**
 * Where a route's actions write, and what to call after a write. Without
 * it the section is read-only.
 */
export interface RouteSectionActions {
  cluster: string;
  vs: VirtualServiceView;
  onChanged?: () => void;
}

/**
 * One http route: strategy chip and sentence, split bar (with the observed
 * traffic under it, for the split route), match rules, mirror, warnings,
 * actions.
 */
export const RouteSection = ({
  route,
  versions,
  kind,
  actions,
  observed,
}: {
  route: RouteView;
  versions: VersionView[];
  /** The routing object's kind: an HTTPRoute's routes are its rules. */
  kind?: RoutingObjectKind;
  actions?: RouteSectionActions;
  /** The VirtualService's observed traffic, given to its split route only. */
  observed?: ObservedTrafficView;
}) => {
  const classes = useStyles();
  const title = routeLabel(route.name ?? route.index, kind);
  const mirrorLabel = route.mirror
    ? versions.find(v => v.key === route.mirror!.versionKey)?.label ??
      route.mirror.host
    : undefined;
  return (
    <Box className={classes.root} data-testid={`route-${route.index}`}>
      <div className={classes.header}>
        <Typography variant="subtitle1">{title}</Typography>
        <Chip
          size="small"
          color="primary"
          label={STRATEGY_LABELS[route.strategy]}
        />
      </div>
      <Typography variant="body1" paragraph>
        {route.explanation}
      </Typography>
      {/* An empty entry matches every request (an HTTPRoute rule without
          matches reads as one): only conditions are worth listing. */}
      {route.match.some(all => all.length > 0) && (
        <Box mb={1}>
          <Typography variant="body2">Applies to requests matching:</Typography>
          {route.match.map((all, i) => (
            <Typography key={i} variant="body2" className={classes.match}>
              {i > 0 ? 'or ' : ''}
              {all.length > 0
                ? all.map(describeRule).join(' and ')
                : 'any request'}
            </Typography>
          ))}
        </Box>
      )}
      {route.delegate ? (
        <Typography variant="body2">
          Delegated to VirtualService {route.delegate.namespace}/
          {route.delegate.name}
        </Typography>
      ) : (
        <>
          <TrafficSplitBar
            destinations={route.destinations}
            versions={versions}
          />
          {observed && (
            <ObservedTrafficBar observed={observed} versions={versions} />
          )}
        </>
      )}
      {route.mirror && (
        <Typography variant="body2" style={{ marginTop: 8 }}>
          Mirror: {route.mirror.percentage}% of requests copied to {mirrorLabel}{' '}
          (responses discarded)
        </Typography>
      )}
      <WarningList warnings={route.warnings} />
      {actions && (
        <RouteActions
          cluster={actions.cluster}
          vs={actions.vs}
          route={route}
          onChanged={actions.onChanged}
        />
      )}
    </Box>
  );
};

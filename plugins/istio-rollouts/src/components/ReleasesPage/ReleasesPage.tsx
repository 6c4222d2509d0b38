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
  Content,
  ContentHeader,
  EmptyState,
  Header,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import {
  EntityDisplayName,
  EntityRefLink,
  useEntityRefLink,
} from '@backstage/plugin-catalog-react';
import type {
  ReleaseInFlight,
  ReleasesInFlightPage,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Button,
  Chip,
  Tooltip,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { useSearchParams } from 'react-router-dom';
import { formatTime } from '../AuditParts';
import { TrafficSplitBar } from '../TrafficSplitBar';
import {
  describeManagedBy,
  describeMirror,
  describeRoute,
  describeSinceSource,
  describeSplit,
  describeSummary,
  formatAge,
} from './releaseText';
import { ReleasesFilterFields } from './ReleasesFilterFields';
import { fromSearchParams, toFilters, toSearchParams } from './releasesFilters';
import { useReleasesPages } from './useReleasesPages';

const useStyles = makeStyles(theme => ({
  pager: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  age: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    whiteSpace: 'nowrap',
  },
  split: { minWidth: 140 },
  clusterErrors: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
}));

/** The entity's Istio Rollouts tab, where the route can be acted on. */
const ServiceLink = ({ entityRef }: { entityRef: string }) => {
  const entityLink = useEntityRefLink();
  return (
    <Link to={`${entityLink(entityRef)}/istio-rollouts`}>
      <EntityDisplayName entityRef={entityRef} />
    </Link>
  );
};

const ServiceCell = ({ release }: { release: ReleaseInFlight }) => (
  // A stable handle on the row for end-to-end tests: the table's rows
  // carry no attributes of their own.
  <div
    data-testid={`release-${release.cluster}-${release.namespace}-${release.name}-${release.route.index}`}
  >
    {release.entity ? (
      <ServiceLink entityRef={release.entity.ref} />
    ) : (
      <>
        <Tooltip title={release.unbound ?? 'Bound to no catalog entity'}>
          <Typography variant="body2">Unbound</Typography>
        </Tooltip>
        {release.unbound && (
          <Typography variant="caption" color="textSecondary" display="block">
            {release.unbound}
          </Typography>
        )}
      </>
    )}
  </div>
);

const SplitCell = ({ release }: { release: ReleaseInFlight }) => {
  const classes = useStyles();
  const mirror = describeMirror(release.mirror);
  // The split bar draws views; a row carries only what it needs to be
  // drawn. One segment per version: a version reached on two ports is one
  // share of the traffic.
  const shares = new Map<string, { label: string; weight: number }>();
  for (const s of release.split) {
    const share = shares.get(s.versionKey);
    if (share) share.weight += s.weight;
    else shares.set(s.versionKey, { label: s.label, weight: s.weight });
  }
  const destinations = [...shares].map(([versionKey, { weight }]) => ({
    versionKey,
    host: '',
    weight,
  }));
  const versions = [...shares].map(([key, { label }]) => ({
    key,
    label,
    host: '',
    fqdn: '',
    labels: {},
    workloads: [],
    ready: 0,
    desired: 0,
  }));
  return (
    <div className={classes.split}>
      {release.split.length > 0 && (
        <TrafficSplitBar
          destinations={destinations}
          versions={versions}
          dense
        />
      )}
      <Typography variant="body2" noWrap>
        {describeSplit(release.split)}
      </Typography>
      {mirror && (
        <Typography variant="caption" color="textSecondary" display="block">
          {mirror}
        </Typography>
      )}
    </div>
  );
};

const AgeCell = ({ release }: { release: ReleaseInFlight }) => {
  const classes = useStyles();
  return (
    <div className={classes.age}>
      <span
        title={`Since ${formatTime(release.since)}, from ${describeSinceSource(
          release.sinceSource,
        )}`}
      >
        {formatAge(release.since)}
      </span>
      {release.stale && <Chip size="small" color="secondary" label="Stale" />}
    </div>
  );
};

const WarningsCell = ({ release }: { release: ReleaseInFlight }) => {
  if (release.warnings.length === 0) return <>0</>;
  return (
    <Tooltip
      title={
        <>
          {release.warnings.map(w => (
            <div key={`${w.code}-${w.message}`}>{w.message}</div>
          ))}
        </>
      }
    >
      <Typography
        variant="body2"
        color={
          release.warnings.some(w => w.severity !== 'info')
            ? 'error'
            : 'textSecondary'
        }
      >
        ⚠ {release.warnings.length}
      </Typography>
    </Tooltip>
  );
};

const columns: TableColumn<ReleaseInFlight>[] = [
  { title: 'Service', render: r => <ServiceCell release={r} /> },
  {
    title: 'Owner',
    render: r =>
      r.entity?.owner ? (
        <EntityRefLink entityRef={r.entity.owner} defaultKind="group" />
      ) : (
        '—'
      ),
  },
  { title: 'Cluster', field: 'cluster' },
  {
    title: 'Route',
    render: r => {
      const { object, route } = describeRoute(r);
      return (
        <>
          <Typography variant="body2">{object}</Typography>
          <Typography variant="caption" color="textSecondary">
            {route}
          </Typography>
        </>
      );
    },
  },
  {
    title: 'Strategy',
    render: r => {
      const managedBy = describeManagedBy(r.managedBy);
      return (
        <>
          <Typography variant="body2">{r.strategy}</Typography>
          <Typography variant="caption" color="textSecondary" display="block">
            {r.explanation}
          </Typography>
          {managedBy && (
            <Typography variant="caption" display="block">
              {managedBy}
            </Typography>
          )}
        </>
      );
    },
  },
  { title: 'Split', render: r => <SplitCell release={r} /> },
  { title: 'Age', render: r => <AgeCell release={r} /> },
  { title: 'Pending requests', field: 'pendingRequests', type: 'numeric' },
  { title: 'Warnings', render: r => <WarningsCell release={r} /> },
];

const ClusterErrors = ({
  errors,
}: {
  errors: ReleasesInFlightPage['clusterErrors'];
}) => {
  const classes = useStyles();
  if (errors.length === 0) return null;
  return (
    <div className={classes.clusterErrors}>
      {errors.map(e => (
        <WarningPanel
          key={e.cluster}
          severity="warning"
          title={`Cluster ${e.cluster} could not be read: its routes are missing from the list`}
          message={e.message}
        />
      ))}
    </div>
  );
};

/**
 * Every route half-way through a release, without the page frame: the
 * backend lists only the routes the user may see (all of them for platform
 * teams), so there is no permission to check here.
 */
export const ReleasesContent = () => {
  const classes = useStyles();
  const [searchParams, setSearchParams] = useSearchParams();
  // The URL seeds the filters once; afterwards the form drives the URL.
  const [initialForm] = useState(() => fromSearchParams(searchParams));
  const releases = useReleasesPages(
    useMemo(() => toFilters(initialForm), [initialForm]),
  );
  const { page } = releases;
  const filtered = Object.keys(releases.filters).length > 0;

  const pager = (
    <div className={classes.pager}>
      <Typography variant="body2" color="textSecondary">
        Page {releases.pageIndex + 1}
      </Typography>
      <Button
        size="small"
        disabled={!releases.hasPrevious || releases.loading}
        onClick={releases.first}
      >
        First page
      </Button>
      <Button
        size="small"
        disabled={!releases.hasPrevious || releases.loading}
        onClick={releases.previous}
      >
        Previous page
      </Button>
      <Button size="small" disabled={!releases.hasNext} onClick={releases.next}>
        Next page
      </Button>
    </div>
  );

  let body;
  if (releases.error && !page) {
    body = <ResponseErrorPanel error={releases.error} />;
  } else if (!page) {
    body = <Progress />;
  } else if (page.items.length === 0) {
    const partial = page.clusterErrors.length > 0;
    body = (
      <>
        {releases.error && <ResponseErrorPanel error={releases.error} />}
        <ClusterErrors errors={page.clusterErrors} />
        {releases.loading && <Progress />}
        <EmptyState
          missing="data"
          title={
            filtered
              ? 'No releases in flight match these filters'
              : 'No releases in flight'
          }
          description={
            filtered
              ? 'Clear a filter or lower the minimum age.'
              : `Every route${
                  partial ? ' on the clusters that could be read' : ''
                } is at rest: no canary split, targeted users, mirror, idle blue-green version or rollout under way.`
          }
        />
        {releases.pageIndex > 0 && pager}
      </>
    );
  } else {
    body = (
      <>
        {releases.error && <ResponseErrorPanel error={releases.error} />}
        <ClusterErrors errors={page.clusterErrors} />
        <Table<ReleaseInFlight>
          title={describeSummary(page)}
          subtitle={`Page ${
            releases.pageIndex + 1
          }, oldest first · as of ${formatTime(page.generatedAt)}`}
          options={{
            paging: false,
            search: false,
            sorting: false,
            padding: 'dense',
          }}
          isLoading={releases.loading}
          columns={columns}
          // material-table writes its own state into each row: give it copies.
          data={page.items.map(r => ({ ...r }))}
        />
        {pager}
      </>
    );
  }

  return (
    <>
      <ContentHeader title="Routes not at rest" />
      <ReleasesFilterFields
        initial={initialForm}
        onApply={form => {
          const filters = toFilters(form);
          releases.setFilters(filters);
          setSearchParams(toSearchParams(filters), { replace: true });
        }}
      />
      {body}
    </>
  );
};

/**
 * The releases in flight: every route, across clusters, half-way through a
 * release (a canary split, targeted users, a mirror, an idle blue-green
 * version still running, a controller mid-rollout), oldest first, with its
 * service, owner, age and whether it has gone stale.
 */
export const ReleasesPage = () => (
  <Page themeId="tool">
    <Header
      title="Releases in flight"
      subtitle="Which routes are half-way through a release, since when, and whose"
    />
    <Content>
      <ReleasesContent />
    </Content>
  </Page>
);

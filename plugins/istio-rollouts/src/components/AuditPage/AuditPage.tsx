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
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  isTrafficChangeOutcome,
  istioRolloutsAuditReadPermission,
  type AuditRecord,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Button, Typography, makeStyles } from '@material-ui/core';
import { useSearchParams } from 'react-router-dom';
import {
  AuditExport,
  AuditExportFormat,
  istioRolloutsApiRef,
} from '../../api/IstioRolloutsApi';
import { useAuditPages } from '../../hooks/useAuditPages';
import {
  ActorRef,
  StatusChip,
  UserRef,
  describeRecordWeights,
  describeTarget,
  formatTime,
  recordActionLabel,
} from '../AuditParts';
import { describeFailure } from '../RouteActions/failures';
import { AuditFilters } from './AuditFilters';
import { fromSearchParams, toQuery, toSearchParams } from './auditFilters';

const useStyles = makeStyles(theme => ({
  toolbar: {
    display: 'flex',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
  },
  pager: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

const columns: TableColumn<AuditRecord>[] = [
  {
    title: 'Time',
    render: r => (
      <Typography variant="body2" noWrap>
        {formatTime(r.createdAt)}
      </Typography>
    ),
  },
  {
    title: 'Entity',
    // An observed change on a shared VirtualService is bound to no entity.
    render: r =>
      r.entityRef ? <EntityRefLink entityRef={r.entityRef} /> : '—',
  },
  {
    title: 'Actor',
    render: r => (
      <>
        <ActorRef record={r} />
        {r.approver && (
          <Typography variant="caption" display="block">
            approved by <UserRef entityRef={r.approver} />
          </Typography>
        )}
      </>
    ),
  },
  { title: 'Action', render: r => recordActionLabel(r) },
  { title: 'Target', render: r => describeTarget(r) },
  {
    title: 'Before → after',
    // No view here to label versions: subsets name them. One side per line,
    // so a narrow column breaks at the arrow rather than inside a split.
    render: r => {
      const weights = describeRecordWeights(r);
      if (!weights) return '—';
      const [before, after] = weights.split(' → ');
      return (
        <Typography variant="body2" component="div" noWrap>
          {before}
          <br />→ {after}
        </Typography>
      );
    },
  },
  { title: 'Outcome', render: r => <StatusChip status={r.outcome} /> },
  {
    title: 'Reason / message',
    render: r => (
      <>
        {r.reason && <Typography variant="body2">{r.reason}</Typography>}
        {r.message && (
          <Typography
            variant="body2"
            color={
              isTrafficChangeOutcome(r.outcome) ? 'textSecondary' : 'error'
            }
          >
            {r.message}
          </Typography>
        )}
      </>
    ),
  },
];

// The export needs the user's token, so it cannot be a plain link: the
// file is fetched, then handed to the browser as a temporary object URL.
function saveFile(file: AuditExport) {
  const url = URL.createObjectURL(file.content);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked after the click is handled: some browsers cancel otherwise.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const AuditTrail = () => {
  const classes = useStyles();
  const api = useApi(istioRolloutsApiRef);
  const alertApi = useApi(alertApiRef);
  const [searchParams, setSearchParams] = useSearchParams();
  // The URL seeds the filters once; afterwards the form drives the URL.
  const [initialForm] = useState(() => fromSearchParams(searchParams));
  const audit = useAuditPages(
    useMemo(() => toQuery(initialForm), [initialForm]),
  );
  const [exporting, setExporting] = useState<AuditExportFormat>();
  const filtered = Object.keys(audit.filters).length > 0;

  const exportAs = async (format: AuditExportFormat) => {
    setExporting(format);
    try {
      saveFile(await api.exportAudit(audit.filters, format));
    } catch (e) {
      alertApi.post({
        message: `Export failed: ${describeFailure(e).message}`,
        severity: 'error',
      });
    } finally {
      setExporting(undefined);
    }
  };

  let table;
  if (audit.error && !audit.records) {
    table = <ResponseErrorPanel error={audit.error} />;
  } else if (!audit.records) {
    table = <Progress />;
  } else {
    table = (
      <>
        {audit.error && <ResponseErrorPanel error={audit.error} />}
        <Table<AuditRecord>
          title="Audit records"
          subtitle={`Page ${audit.pageIndex + 1}, newest first`}
          options={{
            paging: false,
            search: false,
            sorting: false,
            padding: 'dense',
          }}
          isLoading={audit.loading}
          columns={columns}
          // material-table writes its own state into each row: give it copies.
          data={audit.records.map(r => ({ ...r }))}
          emptyContent={
            <Box p={2}>
              <EmptyState
                missing="data"
                title={
                  filtered
                    ? 'No records match these filters'
                    : 'No audit records yet'
                }
                description={
                  filtered
                    ? 'Widen the time range or clear a filter.'
                    : 'Every traffic change made through Istio Rollouts (applied, failed or denied) is recorded here.'
                }
              />
            </Box>
          }
        />
        <div className={classes.pager}>
          <Typography variant="body2" color="textSecondary">
            Page {audit.pageIndex + 1}
          </Typography>
          <Button
            size="small"
            disabled={!audit.hasPrevious || audit.loading}
            onClick={audit.previous}
          >
            Previous
          </Button>
          <Button size="small" disabled={!audit.hasNext} onClick={audit.next}>
            Next
          </Button>
        </div>
      </>
    );
  }

  return (
    <>
      <ContentHeader title="Audit trail">
        <div className={classes.toolbar}>
          <Button
            variant="outlined"
            disabled={!!exporting}
            onClick={() => exportAs('csv')}
          >
            {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
          </Button>
          <Button
            variant="outlined"
            disabled={!!exporting}
            onClick={() => exportAs('ndjson')}
          >
            {exporting === 'ndjson' ? 'Exporting…' : 'Export NDJSON'}
          </Button>
        </div>
      </ContentHeader>
      <AuditFilters
        initial={initialForm}
        onApply={form => {
          const query = toQuery(form);
          audit.setFilters(query);
          setSearchParams(toSearchParams(query), { replace: true });
        }}
      />
      {table}
    </>
  );
};

/**
 * The release audit without the page frame: checks the basic audit read
 * permission first, so a user without it is told what is missing instead of
 * meeting a failed request.
 */
export const AuditContent = () => {
  const { loading, allowed, error } = usePermission({
    permission: istioRolloutsAuditReadPermission,
  });
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!allowed) {
    return (
      <EmptyState
        missing="info"
        title="You may not read the release audit"
        description={`Reading it needs the ${istioRolloutsAuditReadPermission.name} permission. Ask your platform team to grant it.`}
      />
    );
  }
  return <AuditTrail />;
};

/**
 * The release audit page for platform teams: every recorded traffic change
 * across services, filtered, paged and exportable.
 */
export const AuditPage = () => (
  <Page themeId="tool">
    <Header
      title="Release audit"
      subtitle="Who moved which route's traffic, when, and why — across services"
    />
    <Content>
      <AuditContent />
    </Content>
  </Page>
);

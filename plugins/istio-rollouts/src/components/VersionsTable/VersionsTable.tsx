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
import { Typography } from '@material-ui/core';
import type { VersionView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ScaleAction } from '../RouteActions';
import { versionColor } from '../TrafficSplitBar';

interface Row {
  id: string;
  version: VersionView;
  color: string;
}

const columns: TableColumn<Row>[] = [
  {
    title: 'Version',
    render: ({ version, color }) => (
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
        {version.label}
      </Typography>
    ),
  },
  { title: 'Host', render: ({ version }) => version.host },
  {
    title: 'Labels',
    render: ({ version }) =>
      Object.entries(version.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '—',
  },
  {
    title: 'Workload',
    render: ({ version }) =>
      version.workloads.length
        ? version.workloads.map(w => `${w.kind} ${w.name}`).join(', ')
        : 'none found',
  },
  {
    title: 'Image',
    render: ({ version }) =>
      Array.from(new Set(version.workloads.flatMap(w => w.images))).join(
        ', ',
      ) || '—',
  },
  {
    title: 'Ready / desired',
    render: ({ version }) => {
      const progress = version.workloads
        .map(w => w.progress)
        .filter(Boolean)
        .join('; ');
      return (
        <Typography
          variant="body2"
          color={version.ready === 0 ? 'error' : 'textPrimary'}
        >
          {version.ready} / {version.desired}
          {progress ? ` (${progress})` : ''}
        </Typography>
      );
    },
  },
];

/** Where scaling writes, and what to call after it. */
export interface VersionsTableScale {
  cluster: string;
  onChanged?: () => void;
}

// Only Deployments: an Argo Rollouts Rollout scales through its controller.
function scaleColumn(scale: VersionsTableScale): TableColumn<Row> {
  return {
    title: 'Actions',
    render: ({ version }) => {
      const deployments = version.workloads.filter(
        w => w.kind === 'Deployment',
      );
      return deployments.map(w => (
        <ScaleAction
          key={`${w.namespace}/${w.name}`}
          cluster={scale.cluster}
          workload={w}
          onChanged={scale.onChanged}
          label={deployments.length > 1 ? `Scale ${w.name}…` : undefined}
        />
      ));
    },
  };
}

/**
 * Every version of a VirtualService: subset, labels, Deployment, image, pods;
 * with `scale`, a Scale… action per Deployment.
 */
export const VersionsTable = ({
  versions,
  scale,
}: {
  versions: VersionView[];
  scale?: VersionsTableScale;
}) => {
  const keys = versions.map(v => v.key);
  const data: Row[] = versions.map(version => ({
    id: version.key,
    version,
    color: versionColor(keys, version.key),
  }));
  return (
    <Table<Row>
      title="Versions"
      options={{
        paging: false,
        search: false,
        padding: 'dense',
        toolbar: true,
      }}
      columns={scale ? [...columns, scaleColumn(scale)] : columns}
      data={data}
    />
  );
};

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

import {
  Box,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  Typography,
} from '@material-ui/core';
import type {
  RoutingObjectKind,
  TrackedByView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// Pieces every action dialog shares.

const GITOPS_NAMES: Record<TrackedByView['tool'], string> = {
  'argo-cd': 'Argo CD',
  flux: 'Flux',
};

/** `argo-cd` → `Argo CD`; unknown tools keep their id. */
export function gitOpsName(tool: string): string {
  return GITOPS_NAMES[tool as TrackedByView['tool']] ?? tool;
}

/**
 * Says, before the user confirms, that a GitOps tool may undo the change;
 * `kind` names the routing object (absent: a VirtualService).
 */
export const GitOpsNotice = ({
  trackedBy,
  kind,
}: {
  trackedBy?: TrackedByView[];
  kind?: RoutingObjectKind;
}) =>
  trackedBy && trackedBy.length > 0 ? (
    <Box mt={1} mb={1}>
      <Typography variant="body2" color="error">
        ⚠{' '}
        {trackedBy.map(t => `${GITOPS_NAMES[t.tool]} (${t.source})`).join(', ')}{' '}
        tracks this {kind ?? 'VirtualService'}: GitOps may revert this change at
        its next sync unless it is also made in Git.
      </Typography>
    </Box>
  ) : null;

/** Free text kept with the action in the audit trail. */
export const ReasonField = ({
  value,
  onChange,
  label = 'Reason (optional)',
  required,
  id = 'action-reason',
  helperText = 'Recorded in the audit trail',
}: {
  id?: string;
  value: string;
  onChange: (value: string) => void;
  label?: string;
  required?: boolean;
  helperText?: string;
}) => (
  <TextField
    id={id}
    label={label}
    value={value}
    required={required}
    onChange={e => onChange(e.target.value)}
    fullWidth
    margin="dense"
    multiline
    helperText={helperText}
  />
);

/** What a promotion request's dialog says above the reason. */
export const RequestNotice = () => (
  <Box mt={1}>
    <Typography variant="body2" color="textSecondary">
      This sends a request to the owners: traffic does not change until one of
      them approves it.
    </Typography>
  </Box>
);

/** The reason a promotion request requires: the approvers decide on it. */
export const RequestReasonField = ({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) => (
  <ReasonField
    id="request-reason"
    label="Reason"
    required
    value={value}
    onChange={onChange}
    helperText="Shown to the owners who approve, and recorded in the audit trail"
  />
);

/** Picks one of the routing object's versions (an HTTPRoute's: Services) by key. */
export const VersionSelect = ({
  id,
  label,
  versions,
  value,
  onChange,
}: {
  id: string;
  label: string;
  versions: VersionView[];
  value: string;
  onChange: (key: string) => void;
}) => (
  <FormControl fullWidth margin="dense">
    <InputLabel id={`${id}-label`}>{label}</InputLabel>
    <Select
      labelId={`${id}-label`}
      id={id}
      value={value}
      onChange={e => onChange(String(e.target.value))}
    >
      {versions.map(v => (
        <MenuItem key={v.key} value={v.key}>
          {v.label}
          {v.ready === 0 ? ' (no ready pods)' : ''}
        </MenuItem>
      ))}
    </Select>
  </FormControl>
);

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

import { useState } from 'react';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  InputLabel,
  List,
  ListItem,
  ListItemSecondaryAction,
  ListItemText,
  MenuItem,
  Select,
  TextField,
  Typography,
} from '@material-ui/core';
import type {
  RouteView,
  RoutingObjectKind,
  TrackedByView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { GitOpsNotice, ReasonField, VersionSelect } from './DialogParts';
import { RouteOperation, labelOf, routeNoun, versionRef } from './routeModel';

function describeTargeted(route: RouteView, versions: VersionView[]): string {
  const who = route.match
    .map(all =>
      all
        .map(r => `${r.kind} ${r.name ?? ''} ${r.operator ?? '='} ${r.value}`)
        .join(' and '),
    )
    .join(' or ');
  const to = route.destinations.map(d => labelOf(versions, d)).join(', ');
  return `${who || 'all requests'} → ${to}`;
}

/**
 * Sends chosen users (a header or a cookie) to one version through a route
 * (an HTTPRoute's: a rule) inserted before this one, and lists the targeted
 * routes already there so they can be removed.
 */
export const TargetUsersDialog = ({
  versions,
  targeted,
  trackedBy,
  kind: objectKind,
  onCancel,
  onApply,
  onRemove,
}: {
  versions: VersionView[];
  /** This route's targeted routes (named istio-rollouts-target-…). */
  targeted: RouteView[];
  trackedBy?: TrackedByView[];
  /** The routing object's kind: names its routes and the GitOps notice. */
  kind?: RoutingObjectKind;
  onCancel: () => void;
  onApply: (operation: RouteOperation, reason: string) => void;
  onRemove: (routeName: string) => void;
}) => {
  const [kind, setKind] = useState<'header' | 'cookie'>('header');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [versionKey, setVersionKey] = useState(
    versions[versions.length - 1]?.key ?? '',
  );
  const [reason, setReason] = useState('');
  const version = versions.find(v => v.key === versionKey);
  const ready = !!version && name.trim() !== '' && value.trim() !== '';

  const apply = () =>
    version &&
    onApply(
      {
        type: 'target-users',
        // Header names are case-insensitive; Istio matches them lowercase.
        match: {
          kind,
          name: kind === 'header' ? name.trim().toLowerCase() : name.trim(),
          value: value.trim(),
        },
        to: versionRef(version),
      },
      reason.trim(),
    );

  return (
    <Dialog
      aria-labelledby="istio-rollouts-target-users-title"
      open
      onClose={onCancel}
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="istio-rollouts-target-users-title">
        Target users
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2">
          Requests that carry this {kind} go to the chosen version; everyone
          else keeps the current split.
        </Typography>
        <FormControl fullWidth margin="dense">
          <InputLabel id="target-kind-label">Match on</InputLabel>
          <Select
            labelId="target-kind-label"
            id="target-kind"
            value={kind}
            onChange={e => setKind(e.target.value as 'header' | 'cookie')}
          >
            <MenuItem value="header">Header</MenuItem>
            <MenuItem value="cookie">Cookie</MenuItem>
          </Select>
        </FormControl>
        <TextField
          id="target-name"
          label={kind === 'header' ? 'Header name' : 'Cookie name'}
          value={name}
          onChange={e => setName(e.target.value)}
          fullWidth
          margin="dense"
          placeholder={kind === 'header' ? 'end-user' : 'beta'}
        />
        <TextField
          id="target-value"
          label="Value"
          value={value}
          onChange={e => setValue(e.target.value)}
          fullWidth
          margin="dense"
        />
        <VersionSelect
          id="target-version"
          label="Send them to"
          versions={versions}
          value={versionKey}
          onChange={setVersionKey}
        />
        <GitOpsNotice trackedBy={trackedBy} kind={objectKind} />
        <ReasonField value={reason} onChange={setReason} />
        <Box mt={2}>
          <Typography variant="subtitle2">
            Targeted {routeNoun(objectKind)}s
          </Typography>
          {targeted.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              None yet.
            </Typography>
          ) : (
            <List dense>
              {targeted.map(r => (
                <ListItem key={r.name}>
                  <ListItemText
                    primary={describeTargeted(r, versions)}
                    secondary={r.name}
                  />
                  <ListItemSecondaryAction>
                    <Button
                      size="small"
                      onClick={() => onRemove(r.name!)}
                      aria-label={`Remove ${r.name}`}
                    >
                      Remove
                    </Button>
                  </ListItemSecondaryAction>
                </ListItem>
              ))}
            </List>
          )}
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!ready}
          onClick={apply}
        >
          Target users
        </Button>
      </DialogActions>
    </Dialog>
  );
};

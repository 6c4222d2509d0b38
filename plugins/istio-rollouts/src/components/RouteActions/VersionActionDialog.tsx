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
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import type {
  RoutingObjectKind,
  TrackedByView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { GitOpsNotice, ReasonField, VersionSelect } from './DialogParts';
import { RouteOperation, routeNoun, versionRef } from './routeModel';

/**
 * Picks a version for one of two operations that only need a version:
 * mirroring a share of requests to it, or starting a canary on it.
 */
export const VersionActionDialog = ({
  mode,
  versions,
  trackedBy,
  kind,
  steps,
  onCancel,
  onApply,
}: {
  mode: 'mirror' | 'start-canary';
  /**
   * Versions to offer (for a canary, those not already in the route); an
   * HTTPRoute's are Services.
   */
  versions: VersionView[];
  trackedBy?: TrackedByView[];
  /** The routing object's kind: names its routes and the GitOps notice. */
  kind?: RoutingObjectKind;
  /** The entity's canary steps, sent with start-canary. */
  steps: number[];
  onCancel: () => void;
  onApply: (operation: RouteOperation, reason: string) => void;
}) => {
  const [versionKey, setVersionKey] = useState(
    versions[versions.length - 1]?.key ?? '',
  );
  const [percentage, setPercentage] = useState('10');
  const [reason, setReason] = useState('');
  const version = versions.find(v => v.key === versionKey);
  const pct = Number(percentage);
  const pctValid = Number.isFinite(pct) && pct > 0 && pct <= 100;
  const mirror = mode === 'mirror';
  // An HTTPRoute's versions are Services.
  const canaryLabel =
    kind === 'HTTPRoute' ? 'Canary Service' : 'Canary version';

  const apply = () => {
    if (!version) return;
    onApply(
      mirror
        ? { type: 'set-mirror', to: versionRef(version), percentage: pct }
        : { type: 'start-canary', canary: versionRef(version), steps },
      reason.trim(),
    );
  };

  return (
    <Dialog
      aria-labelledby="istio-rollouts-version-action-title"
      open
      onClose={onCancel}
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="istio-rollouts-version-action-title">
        {mirror ? 'Mirror traffic' : 'Start canary'}
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2">
          {mirror
            ? 'Copies a share of the requests to the chosen version; its responses are discarded, users only see the current split.'
            : `Sends ${steps[0]}% of this ${routeNoun(
                kind,
              )}'s traffic to the chosen version; the rest stays where it is.`}
        </Typography>
        <VersionSelect
          id={`${mode}-version`}
          label={mirror ? 'Mirror to' : canaryLabel}
          versions={versions}
          value={versionKey}
          onChange={setVersionKey}
        />
        {mirror && (
          <TextField
            id="mirror-percentage"
            label="Percentage of requests"
            type="number"
            value={percentage}
            onChange={e => setPercentage(e.target.value)}
            error={!pctValid}
            helperText={pctValid ? undefined : 'Above 0 and at most 100'}
            inputProps={{ min: 0, max: 100, step: 'any' }}
            fullWidth
            margin="dense"
          />
        )}
        <GitOpsNotice trackedBy={trackedBy} kind={kind} />
        <ReasonField value={reason} onChange={setReason} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!version || (mirror && !pctValid)}
          onClick={apply}
        >
          {mirror ? 'Mirror' : 'Start canary'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

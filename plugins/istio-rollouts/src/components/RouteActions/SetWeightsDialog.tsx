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
  Slider,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import type {
  RouteActionResult,
  RouteView,
  RoutingObjectKind,
  TrackedByView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  GitOpsNotice,
  ReasonField,
  RequestNotice,
  RequestReasonField,
} from './DialogParts';
import { describeFailure } from './failures';
import { RouteOperation, describeSnapshot, labelOf, toRef } from './routeModel';

const useStyles = makeStyles(theme => ({
  row: {
    display: 'grid',
    gridTemplateColumns: '120px 1fr 90px',
    alignItems: 'center',
    gap: theme.spacing(2),
  },
  patch: {
    maxHeight: 240,
    overflow: 'auto',
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    fontSize: 12,
  },
}));

const clamp = (n: number) => Math.min(100, Math.max(0, Math.round(n) || 0));

type Preview =
  | { status: 'none' }
  | { status: 'loading' }
  | { status: 'done'; result: RouteActionResult }
  | { status: 'failed'; message: string };

/**
 * Any split over the route's existing destinations: a slider and a number
 * per destination, the sum (which must be 100), a dry-run preview showing
 * the exact JSON Patch, then Apply. Mount it only while open, so it starts
 * from the route's current weights. In `request` mode the split is asked of
 * the owners (reason required); without `onPreview` there is no preview
 * (a dry run needs the permission to apply).
 */
export const SetWeightsDialog = ({
  route,
  versions,
  trackedBy,
  kind,
  mode = 'apply',
  onCancel,
  onPreview,
  onApply,
}: {
  route: RouteView;
  versions: VersionView[];
  trackedBy?: TrackedByView[];
  /** The routing object's kind, for the GitOps notice. */
  kind?: RoutingObjectKind;
  mode?: 'apply' | 'request';
  onCancel: () => void;
  onPreview?: (operation: RouteOperation) => Promise<RouteActionResult>;
  onApply: (operation: RouteOperation, reason: string) => void;
}) => {
  const asking = mode === 'request';
  const classes = useStyles();
  const [weights, setWeights] = useState(route.destinations.map(d => d.weight));
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<Preview>({ status: 'none' });
  const sum = weights.reduce((a, b) => a + b, 0);
  const operation: RouteOperation = {
    type: 'set-weights',
    weights: route.destinations.map((d, i) => ({
      ...toRef(d),
      weight: weights[i],
    })),
  };

  const setWeight = (i: number, value: number) => {
    setWeights(ws => ws.map((w, j) => (j === i ? clamp(value) : w)));
    // A preview of other weights would be misleading.
    setPreview({ status: 'none' });
  };

  const runPreview = async () => {
    if (!onPreview) return;
    setPreview({ status: 'loading' });
    try {
      setPreview({ status: 'done', result: await onPreview(operation) });
    } catch (e) {
      setPreview({ status: 'failed', message: describeFailure(e).message });
    }
  };

  return (
    <Dialog
      aria-labelledby="istio-rollouts-set-weights-title"
      open
      onClose={onCancel}
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="istio-rollouts-set-weights-title">
        {asking ? 'Request weights' : 'Set weights'}
      </DialogTitle>
      <DialogContent>
        {route.destinations.map((d, i) => {
          const label = labelOf(versions, d);
          return (
            <div
              className={classes.row}
              key={`${d.versionKey}-${d.port ?? ''}`}
            >
              <Typography variant="body2">{label}</Typography>
              <Slider
                value={weights[i]}
                min={0}
                max={100}
                step={1}
                onChange={(_e, v) => setWeight(i, v as number)}
                aria-label={`Weight of ${label}`}
              />
              <TextField
                type="number"
                value={weights[i]}
                onChange={e => setWeight(i, Number(e.target.value))}
                inputProps={{
                  min: 0,
                  max: 100,
                  'aria-label': `Weight of ${label} in percent`,
                }}
              />
            </div>
          );
        })}
        <Typography
          variant="body2"
          color={sum === 100 ? 'textSecondary' : 'error'}
        >
          Total: {sum}%{sum === 100 ? '' : ' — must be 100%'}
        </Typography>
        {asking && <RequestNotice />}
        <GitOpsNotice trackedBy={trackedBy} kind={kind} />
        {asking ? (
          <RequestReasonField value={reason} onChange={setReason} />
        ) : (
          <ReasonField value={reason} onChange={setReason} />
        )}
        {preview.status === 'loading' && (
          <Typography variant="body2">Computing the patch…</Typography>
        )}
        {preview.status === 'failed' && (
          <Typography variant="body2" color="error" role="alert">
            {preview.message}
          </Typography>
        )}
        {preview.status === 'done' && (
          <Box mt={1}>
            <Typography variant="body2">
              Result: {describeSnapshot(versions, preview.result.after)}
            </Typography>
            <Typography variant="body2">
              JSON Patch that will be sent:
            </Typography>
            <pre className={classes.patch} data-testid="json-patch">
              {JSON.stringify(preview.result.patch, null, 2)}
            </pre>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        {onPreview && (
          <Button
            onClick={runPreview}
            disabled={sum !== 100 || preview.status === 'loading'}
          >
            Preview
          </Button>
        )}
        <Button
          color="primary"
          variant="contained"
          disabled={sum !== 100 || (asking && !reason.trim())}
          onClick={() => onApply(operation, reason.trim())}
        >
          {asking ? 'Send request' : 'Apply'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

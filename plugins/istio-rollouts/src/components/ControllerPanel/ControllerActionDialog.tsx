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

import { useEffect, useState } from 'react';
import { Progress } from '@backstage/core-components';
import type {
  ControllerAction,
  ControllerActionResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
  makeStyles,
} from '@material-ui/core';
import {
  ReasonField,
  RequestNotice,
  RequestReasonField,
} from '../RouteActions/DialogParts';
import { describeFailure } from '../RouteActions/failures';

const useStyles = makeStyles(theme => ({
  patch: {
    fontFamily: 'monospace',
    fontSize: '0.75rem',
    maxHeight: 240,
    overflow: 'auto',
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    margin: theme.spacing(1, 0, 0),
  },
}));

/** One controller action the user clicked, before it is confirmed. */
export interface PendingControllerAction {
  action: ControllerAction;
  /** e.g. `Promote Rollout storefront one step`. */
  title: string;
  /** Label of the confirm button when applying, e.g. `Promote`. */
  confirmLabel: string;
  /** Apply it, or ask the owners for it. */
  mode: 'apply' | 'request';
  /** What it does, as the view says (shown when no dry run is made). */
  summary?: string;
}

type Preview =
  | { status: 'loading' }
  | { status: 'done'; result: ControllerActionResult }
  | { status: 'failed'; message: string };

/**
 * Confirms a controller action. When applying, it first asks the backend
 * for a dry run and shows what the controller will be told (the JSON
 * patches for Argo), so the user confirms what will be written; a refused
 * dry run leaves nothing to confirm. When requesting, there is no dry run
 * (it needs the apply permission) and the reason is required.
 */
export const ControllerActionDialog = ({
  pending,
  onPreview,
  onCancel,
  onConfirm,
}: {
  pending: PendingControllerAction;
  onPreview: (action: ControllerAction) => Promise<ControllerActionResult>;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) => {
  const classes = useStyles();
  const asking = pending.mode === 'request';
  const [reason, setReason] = useState('');
  const [showPatches, setShowPatches] = useState(false);
  const [preview, setPreview] = useState<Preview | undefined>(
    asking ? undefined : { status: 'loading' },
  );

  useEffect(() => {
    if (asking) return undefined;
    let current = true;
    onPreview(pending.action).then(
      result => current && setPreview({ status: 'done', result }),
      e =>
        current &&
        setPreview({ status: 'failed', message: describeFailure(e).message }),
    );
    return () => {
      current = false;
    };
    // The dialog is mounted once per clicked action.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const patches =
    preview?.status === 'done' ? preview.result.patches ?? [] : [];
  const ready = asking ? !!reason.trim() : preview?.status === 'done';
  return (
    <Dialog
      aria-labelledby="istio-rollouts-controller-action-title"
      open
      onClose={onCancel}
      fullWidth
    >
      <DialogTitle id="istio-rollouts-controller-action-title">
        {asking ? `Request: ${pending.title}` : pending.title}
      </DialogTitle>
      <DialogContent>
        {asking && pending.summary && (
          <Typography variant="body1">{pending.summary}</Typography>
        )}
        {preview?.status === 'loading' && (
          <>
            <Typography variant="body2" color="textSecondary">
              Checking with the cluster…
            </Typography>
            <Progress />
          </>
        )}
        {preview?.status === 'failed' && (
          <Typography variant="body2" color="error" role="alert">
            {preview.message}
          </Typography>
        )}
        {preview?.status === 'done' && (
          <Box>
            <Typography variant="body1" data-testid="controller-dry-run">
              {preview.result.description}
            </Typography>
            {patches.length > 0 && (
              <Box mt={1}>
                <Button
                  size="small"
                  aria-expanded={showPatches}
                  onClick={() => setShowPatches(s => !s)}
                >
                  {showPatches
                    ? 'Hide the patches'
                    : `Show the patches (${patches.length})`}
                </Button>
                {showPatches && (
                  <pre
                    className={classes.patch}
                    data-testid="controller-patches"
                  >
                    {JSON.stringify(patches, null, 2)}
                  </pre>
                )}
              </Box>
            )}
          </Box>
        )}
        {asking && <RequestNotice />}
        {asking ? (
          <RequestReasonField value={reason} onChange={setReason} />
        ) : (
          <ReasonField value={reason} onChange={setReason} />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!ready}
          onClick={() => onConfirm(reason.trim())}
        >
          {asking ? 'Send request' : pending.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

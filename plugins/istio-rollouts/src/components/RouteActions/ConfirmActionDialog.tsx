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

import { ReactNode, useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import type {
  RoutingObjectKind,
  TrackedByView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  GitOpsNotice,
  ReasonField,
  RequestNotice,
  RequestReasonField,
} from './DialogParts';

/** What a one-click action asks before it moves live traffic. */
export interface ConfirmRequest {
  title: string;
  description: ReactNode;
  confirmLabel: string;
}

/**
 * Confirmation for actions that move live traffic in one step (promote,
 * flip, roll back): says what will happen, warns about GitOps, and takes an
 * optional reason for the audit trail. In `request` mode the same change is
 * asked of the owners instead, and the reason is required.
 */
export const ConfirmActionDialog = ({
  request,
  trackedBy,
  kind,
  mode = 'apply',
  onCancel,
  onConfirm,
}: {
  request?: ConfirmRequest;
  trackedBy?: TrackedByView[];
  /** The routing object's kind, for the GitOps notice. */
  kind?: RoutingObjectKind;
  mode?: 'apply' | 'request';
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) => {
  const [reason, setReason] = useState('');
  const asking = mode === 'request';
  const close = (confirmed: boolean) => {
    if (confirmed) onConfirm(reason.trim());
    else onCancel();
    setReason('');
  };
  return (
    <Dialog
      aria-labelledby="istio-rollouts-confirm-title"
      open={!!request}
      onClose={() => close(false)}
      fullWidth
    >
      <DialogTitle id="istio-rollouts-confirm-title">
        {asking ? `Request: ${request?.title}` : request?.title}
      </DialogTitle>
      <DialogContent>
        <Typography variant="body1">{request?.description}</Typography>
        {asking && <RequestNotice />}
        <GitOpsNotice trackedBy={trackedBy} kind={kind} />
        {asking ? (
          <RequestReasonField value={reason} onChange={setReason} />
        ) : (
          <ReasonField value={reason} onChange={setReason} />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => close(false)}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={asking && !reason.trim()}
          onClick={() => close(true)}
        >
          {asking ? 'Send request' : request?.confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

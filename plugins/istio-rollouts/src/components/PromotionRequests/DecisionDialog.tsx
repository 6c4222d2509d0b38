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
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { ReasonField } from '../RouteActions/DialogParts';

/**
 * Approve, reject or cancel a promotion request: says what will happen and
 * takes a note, which `reasonRequired` makes mandatory (rejecting must say
 * why: the requester reads it). Mount it only while open.
 */
export const DecisionDialog = ({
  title,
  description,
  reasonLabel,
  reasonRequired,
  confirmLabel,
  confirmColor = 'primary',
  notice,
  onCancel,
  onConfirm,
}: {
  title: string;
  description: ReactNode;
  reasonLabel: string;
  reasonRequired?: boolean;
  confirmLabel: string;
  confirmColor?: 'primary' | 'secondary';
  /** What the decider should weigh first, e.g. the canary analysis. */
  notice?: ReactNode;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) => {
  const [reason, setReason] = useState('');
  const missing = reasonRequired && !reason.trim();
  return (
    <Dialog
      aria-labelledby="istio-rollouts-decision-title"
      open
      onClose={onCancel}
      fullWidth
    >
      <DialogTitle id="istio-rollouts-decision-title">{title}</DialogTitle>
      <DialogContent>
        <Typography variant="body1" component="div">
          {description}
        </Typography>
        {notice && <Box mt={2}>{notice}</Box>}
        <ReasonField
          id="decision-reason"
          label={reasonLabel}
          required={reasonRequired}
          value={reason}
          onChange={setReason}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Back</Button>
        <Button
          color={confirmColor}
          variant="contained"
          disabled={missing}
          onClick={() => onConfirm(reason.trim())}
        >
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
};

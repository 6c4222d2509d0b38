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
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  istioRolloutsScalePermission,
  ScaleResult,
  WorkloadView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { ActionButton, useActionAccess } from './ActionButton';
import { ReasonField } from './DialogParts';
import { describeFailure } from './failures';

type ScaleState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'done'; result: ScaleResult }
  | { status: 'failed'; message: string };

/**
 * "Scale…" for one Deployment of a version: a replica count (and reason),
 * then the outcome in place.
 */
export const ScaleAction = ({
  cluster,
  workload,
  onChanged,
  label = 'Scale…',
}: {
  cluster: string;
  workload: WorkloadView;
  onChanged?: () => void;
  /** Button text; names the Deployment when a version has several. */
  label?: string;
}) => {
  const { entity } = useEntity();
  const api = useApi(istioRolloutsApiRef);
  const access = useActionAccess(istioRolloutsScalePermission, 'scale');
  const [open, setOpen] = useState(false);
  const [replicas, setReplicas] = useState(String(workload.replicas.desired));
  const [reason, setReason] = useState('');
  const [state, setState] = useState<ScaleState>({ status: 'idle' });
  const count = Number(replicas);
  const valid = replicas.trim() !== '' && Number.isInteger(count) && count >= 0;

  const scale = async () => {
    setOpen(false);
    setState({ status: 'pending' });
    try {
      const result = await api.scaleVersion(getCompoundEntityRef(entity), {
        cluster,
        namespace: workload.namespace,
        deployment: workload.name,
        replicas: count,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setState({ status: 'done', result });
      onChanged?.();
    } catch (e) {
      setState({ status: 'failed', message: describeFailure(e).message });
    }
  };

  return (
    <Box>
      <ActionButton
        access={access}
        busy={state.status === 'pending'}
        onClick={() => {
          setReplicas(String(workload.replicas.desired));
          setOpen(true);
        }}
      >
        {label}
      </ActionButton>
      {state.status === 'done' && (
        <Typography variant="caption" display="block" role="status">
          Scaled {state.result.deployment}: {state.result.replicasBefore} →{' '}
          {state.result.replicasAfter}
        </Typography>
      )}
      {state.status === 'failed' && (
        <Typography
          variant="caption"
          display="block"
          color="error"
          role="alert"
        >
          {state.message}
        </Typography>
      )}
      <Dialog
        aria-labelledby="istio-rollouts-scale-title"
        open={open}
        onClose={() => setOpen(false)}
        fullWidth
        maxWidth="xs"
      >
        <DialogTitle id="istio-rollouts-scale-title">
          Scale {workload.name}
        </DialogTitle>
        <DialogContent>
          <Typography variant="body2">
            {workload.replicas.ready} of {workload.replicas.desired} pods ready.
          </Typography>
          <TextField
            id="scale-replicas"
            label="Replicas"
            type="number"
            value={replicas}
            onChange={e => setReplicas(e.target.value)}
            error={!valid}
            helperText={valid ? undefined : 'A whole number, 0 or more'}
            inputProps={{ min: 0, step: 1 }}
            fullWidth
            margin="dense"
          />
          <ReasonField value={reason} onChange={setReason} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            color="primary"
            variant="contained"
            disabled={!valid}
            onClick={scale}
          >
            Scale
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
};

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
  Checkbox,
  FormControlLabel,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import type { VersionView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { RouteActionState } from './useRouteAction';
import { gitOpsName } from './DialogParts';
import { describeSnapshot } from './routeModel';

const useStyles = makeStyles(theme => ({
  success: { color: theme.palette.success.main },
}));

const CONFLICT_MESSAGE =
  'Someone else changed this route; the view has been refreshed — review and try again';

/**
 * The readiness guard refused: the user may resend, deliberately, with a
 * reason that the backend records next to the override.
 */
const UnreadyOverride = ({
  onOverride,
}: {
  onOverride: (r: string) => void;
}) => {
  const [checked, setChecked] = useState(false);
  const [reason, setReason] = useState('');
  return (
    <Box mt={1}>
      <FormControlLabel
        control={
          <Checkbox
            checked={checked}
            onChange={e => setChecked(e.target.checked)}
          />
        }
        label="Send traffic even though it has no ready pods"
      />
      {checked && (
        <Box display="flex" alignItems="flex-end" style={{ gap: 8 }}>
          <TextField
            id="unready-reason"
            label="Reason for the override"
            value={reason}
            onChange={e => setReason(e.target.value)}
            required
            fullWidth
          />
          <Button
            variant="outlined"
            color="secondary"
            size="small"
            disabled={!reason.trim()}
            onClick={() => onOverride(reason.trim())}
          >
            Send anyway
          </Button>
        </Box>
      )}
    </Box>
  );
};

/** The last action's outcome, shown under the route it changed. */
export const ActionOutcome = ({
  state,
  versions,
  onOverride,
}: {
  state: RouteActionState;
  versions: VersionView[];
  onOverride: (reason: string) => void;
}) => {
  const classes = useStyles();
  if (state.status === 'idle') return null;
  if (state.status === 'pending') {
    return (
      <Typography variant="body2" color="textSecondary">
        {state.mode === 'request' ? 'Sending the request…' : 'Applying…'}
      </Typography>
    );
  }
  if (state.status === 'requested') {
    return (
      <Box mt={1}>
        <Typography variant="body2" className={classes.success} role="status">
          ✓ Request sent to the owners:{' '}
          {describeSnapshot(versions, state.request.plannedAfter)} once approved
        </Typography>
        {(state.request.warnings ?? []).map(w => (
          <Typography key={w.code + w.message} variant="body2" color="error">
            ⚠ {w.message}
          </Typography>
        ))}
      </Box>
    );
  }
  if (state.status === 'done') {
    const { result } = state;
    return (
      <Box mt={1}>
        <Typography variant="body2" className={classes.success} role="status">
          ✓ Applied: {describeSnapshot(versions, result.after)}
        </Typography>
        {result.warnings.map(w => (
          <Typography key={w.code + w.message} variant="body2" color="error">
            ⚠ {w.message}
          </Typography>
        ))}
        {result.drift?.reverted && (
          <Typography variant="body2" color="error">
            ⚠ {gitOpsName(result.drift.tool)} reverted this change
            {result.drift.observedWeights
              ? ` (weights are now ${result.drift.observedWeights.join(' / ')})`
              : ''}
            ; make it in Git for it to stick.
          </Typography>
        )}
      </Box>
    );
  }
  const { failure } = state;
  return (
    <Box mt={1} role="alert">
      <Typography variant="body2" color="error">
        {failure.kind === 'conflict' ? CONFLICT_MESSAGE : failure.message}
      </Typography>
      {failure.kind === 'conflict' && (
        <Typography variant="caption" color="textSecondary">
          {failure.message}
        </Typography>
      )}
      {failure.kind === 'unready' && state.request && (
        <UnreadyOverride onOverride={onOverride} />
      )}
    </Box>
  );
};

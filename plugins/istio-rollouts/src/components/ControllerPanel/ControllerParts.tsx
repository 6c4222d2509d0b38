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

import { ReactNode } from 'react';
import {
  Box,
  Button,
  Tooltip,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { formatRelative, formatTime } from '../AuditParts';
import { ActionAccess } from '../RouteActions/ActionButton';
import { PromotionMode } from '../RouteActions/RouteActions';
import { PendingControllerAction } from './ControllerActionDialog';

// Pieces the Argo and Flagger panels share.

/** What the panels need to offer actions. */
export interface ControllerControls {
  /** How actions that raise the canary's share go: apply, or request. */
  promotion: PromotionMode;
  /**
   * The apply permission itself, whatever the approval policy: those who
   * hold it set up the controller (e.g. see Flagger's webhook URLs).
   */
  apply: ActionAccess;
  /** Actions that lower risk (abort, pause, Flagger rollback). */
  rollback: ActionAccess;
  /** An action is being sent: every button waits. */
  busy: boolean;
  /** Opens the confirmation of an action. */
  open: (pending: PendingControllerAction) => void;
}

export const useControllerStyles = makeStyles(theme => ({
  root: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1.5, 2),
    marginBottom: theme.spacing(2),
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 3),
    marginBottom: theme.spacing(1),
  },
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  list: { listStyle: 'none', margin: 0, padding: 0 },
  done: { color: theme.palette.text.secondary },
  current: { fontWeight: theme.typography.fontWeightBold as number },
  pending: { color: theme.palette.text.secondary },
  mono: { fontFamily: 'monospace' },
}));

/** `5 minutes ago`, with the exact time in a tooltip. */
export const Since = ({ iso, prefix }: { iso: string; prefix?: string }) => (
  <Tooltip title={formatTime(iso)}>
    <span>
      {prefix}
      {formatRelative(iso)}
    </span>
  </Tooltip>
);

/** `Label: value` in the panel's facts row; nothing when the value is absent. */
export const Fact = ({
  label,
  children,
}: {
  label: string;
  children?: ReactNode;
}) =>
  children === undefined || children === null || children === '' ? null : (
    <Typography variant="body2" component="span">
      <Typography variant="body2" component="span" color="textSecondary">
        {label}:
      </Typography>{' '}
      {children}
    </Typography>
  );

/**
 * A controller action's button. Disabled when the controller's state makes
 * the action meaningless or the user may not take it; the tooltip says why,
 * or, when enabled, what it does.
 */
export const ControllerButton = ({
  access,
  unavailable,
  hint,
  busy,
  color = 'primary',
  onClick,
  children,
}: {
  access: ActionAccess;
  /** Why the controller's state rules the action out. */
  unavailable?: string;
  /** What it does, for an enabled button. */
  hint?: string;
  busy: boolean;
  color?: 'primary' | 'secondary';
  onClick: () => void;
  children: ReactNode;
}) => {
  const enabled = unavailable === undefined && access.allowed;
  const title = unavailable ?? (access.allowed ? hint : access.reason);
  return (
    <Tooltip title={title ?? ''}>
      <span>
        <Button
          size="small"
          variant="outlined"
          color={color}
          disabled={!enabled || busy}
          onClick={onClick}
        >
          {children}
        </Button>
      </span>
    </Tooltip>
  );
};

/** A small heading inside a panel. */
export const PanelHeading = ({ children }: { children: ReactNode }) => (
  <Box mt={1.5} mb={0.5}>
    <Typography variant="subtitle2">{children}</Typography>
  </Box>
);

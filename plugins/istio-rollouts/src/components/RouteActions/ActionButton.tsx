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
import { useEntity } from '@backstage/plugin-catalog-react';
import { useEntityPermission } from '@backstage/plugin-catalog-react/alpha';
import { Button, Tooltip } from '@material-ui/core';

/** Whether the user may take an action, and if not, a sentence saying why. */
export interface ActionAccess {
  allowed: boolean;
  /** Shown in the tooltip of a disabled button. */
  reason?: string;
  /** The decision is still being fetched. */
  loading?: boolean;
}

const VERBS = {
  apply: 'move traffic',
  approve: 'approve or reject promotion requests',
  request: 'request promotions',
  rollback: 'roll back traffic',
  scale: 'scale versions',
} as const;

/**
 * Asks the permission framework about the context entity. The backend
 * enforces regardless; this only keeps users from clicking what will fail,
 * and tells them who may.
 */
export function useActionAccess(
  permission: Parameters<typeof useEntityPermission>[0],
  verb: keyof typeof VERBS,
): ActionAccess {
  const { entity } = useEntity();
  const { allowed, loading, error } = useEntityPermission(permission);
  if (loading) {
    return {
      allowed: false,
      loading: true,
      reason: 'Checking your permissions…',
    };
  }
  if (error) {
    return {
      allowed: false,
      reason: `Could not check your permissions: ${error.message}`,
    };
  }
  if (!allowed) {
    const name = entity.metadata.title ?? entity.metadata.name;
    return {
      allowed: false,
      // Requesting is what non-owners do; its denial is not about ownership.
      reason:
        verb === 'request'
          ? `You may not request promotions of ${name}`
          : `Only owners of ${name} or the platform team may ${VERBS[verb]}`,
    };
  }
  return { allowed: true };
}

/**
 * A small button that is disabled when access is denied (or while another
 * action runs) and explains a denial in a tooltip. The span lets the
 * tooltip work on a disabled button, which fires no mouse events itself.
 */
export const ActionButton = ({
  access,
  busy,
  onClick,
  children,
  color = 'primary',
}: {
  access: ActionAccess;
  busy?: boolean;
  onClick: () => void;
  children: ReactNode;
  color?: 'primary' | 'secondary';
}) => (
  <Tooltip title={access.allowed ? '' : access.reason ?? ''}>
    <span>
      <Button
        size="small"
        variant="outlined"
        color={color}
        disabled={!access.allowed || busy}
        onClick={onClick}
      >
        {children}
      </Button>
    </span>
  </Tooltip>
);

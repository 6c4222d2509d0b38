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

import { SidebarItem } from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import { istioRolloutsAuditReadPermission } from '@istio-rollouts/plugin-istio-rollouts-common';
import AuditIcon from '@material-ui/icons/Assignment';

/**
 * The release audit in the sidebar, for those who may read it (platform
 * teams). Hidden while the decision loads rather than flashing in and out;
 * the page checks the permission again, and the backend enforces it.
 */
export const AuditSidebarItem = () => {
  const { allowed, loading } = usePermission({
    permission: istioRolloutsAuditReadPermission,
  });
  if (loading || !allowed) return null;
  return (
    <SidebarItem
      icon={AuditIcon}
      to="istio-rollouts-audit"
      text="Release audit"
    />
  );
};

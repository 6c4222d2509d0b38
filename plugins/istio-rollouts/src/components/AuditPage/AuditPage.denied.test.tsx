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

import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { testApi } from '../../__testUtils__/api';
import { AuditPage } from './AuditPage';

// A file of its own: usePermission caches a decision per permission for
// the whole test file, and AuditPage.test.tsx needs it allowed.

describe('AuditPage without the audit permission', () => {
  it('says which permission is missing and never queries the audit', async () => {
    const listAudit = jest.fn().mockResolvedValue({ items: [] });
    const authorize = jest.fn(() => 'DENY' as any);
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [istioRolloutsApiRef, testApi({ listAudit })],
          [permissionApiRef, mockApis.permission({ authorize })],
        ]}
      >
        <AuditPage />
      </TestApiProvider>,
    );

    expect(
      await screen.findByText('You may not read the release audit'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/needs the istio-rollouts\.audit\.read permission/),
    ).toBeInTheDocument();
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'istio-rollouts.audit.read',
        }),
      }),
    );
    expect(listAudit).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Export CSV' })).toBeNull();
  });
});

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
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { act, screen } from '@testing-library/react';
import { AuditSidebarItem } from './AuditSidebarItem';

// The denied case is in AuditSidebarItem.denied.test.tsx: usePermission
// caches a decision per permission for the whole test file.

describe('AuditSidebarItem', () => {
  it('appears once the audit read permission is granted, not while it is checked', async () => {
    let answer: (result: { result: string }) => void = () => {};
    const authorize = jest.fn(
      () => new Promise<{ result: string }>(resolve => (answer = resolve)),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[permissionApiRef, { authorize } as any]]}>
        <AuditSidebarItem />
      </TestApiProvider>,
    );

    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'istio-rollouts.audit.read',
        }),
      }),
    );
    expect(screen.queryByText('Release audit')).toBeNull();

    await act(async () => answer({ result: 'ALLOW' }));

    const link = await screen.findByRole('link', { name: /Release audit/ });
    expect(link).toHaveAttribute('href', '/istio-rollouts-audit');
  });
});

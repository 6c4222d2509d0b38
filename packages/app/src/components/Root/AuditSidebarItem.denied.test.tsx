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
import { act, screen, waitFor } from '@testing-library/react';
import { AuditSidebarItem } from './AuditSidebarItem';

describe('AuditSidebarItem without the audit permission', () => {
  it('stays hidden', async () => {
    const authorize = jest.fn(async () => ({ result: 'DENY' }));
    await renderInTestApp(
      <TestApiProvider apis={[[permissionApiRef, { authorize } as any]]}>
        <span>sidebar</span>
        <AuditSidebarItem />
      </TestApiProvider>,
    );

    await waitFor(() => expect(authorize).toHaveBeenCalled());
    // Let the decision reach the component before looking.
    await act(async () => {
      await authorize.mock.results[0].value;
    });
    expect(screen.getByText('sidebar')).toBeInTheDocument();
    expect(screen.queryByText('Release audit')).toBeNull();
    expect(screen.queryByRole('link')).toBeNull();
  });
});

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
import { userSettingsPlugin } from '@backstage/plugin-user-settings';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { act, screen, waitFor } from '@testing-library/react';
import { Root } from './Root';

// Other plugins' sidebar items need their own APIs and routes; they are
// theirs to test. What is tested here is what this app adds.
jest.mock('@backstage/plugin-notifications', () => ({
  NotificationsSidebarItem: () => null,
}));
jest.mock('@backstage/plugin-org', () => ({
  MyGroupsSidebarItem: () => null,
}));

describe('Root', () => {
  it('offers the releases in flight to everyone, also to those who may not read the audit', async () => {
    const authorize = jest.fn(() => 'DENY' as any);
    await renderInTestApp(
      <TestApiProvider
        apis={[[permissionApiRef, mockApis.permission({ authorize })]]}
      >
        <Root>
          <div>page</div>
        </Root>
      </TestApiProvider>,
      {
        mountedRoutes: { '/settings': userSettingsPlugin.routes.settingsPage },
      },
    );

    // Once the audit permission is refused: the audit entry is gone, the
    // releases entry stays.
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({
            name: 'istio-rollouts.audit.read',
          }),
        }),
      ),
    );
    await act(async () => {});
    expect(screen.queryByText('Release audit')).toBeNull();
    expect(
      screen.getByRole('link', { name: /Releases in flight/ }),
    ).toHaveAttribute('href', '/istio-rollouts-releases');
    expect(screen.getByText('page')).toBeInTheDocument();
  });
});

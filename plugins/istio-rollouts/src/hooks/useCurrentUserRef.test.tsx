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

import { identityApiRef } from '@backstage/core-plugin-api';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import { sameEntityRef, useCurrentUserRef } from './useCurrentUserRef';

describe('useCurrentUserRef', () => {
  it("gives the signed-in user's ref, lower-cased as the backend stores refs", async () => {
    const identity = mockApis.identity({ userEntityRef: 'user:default/Alice' });
    const { result } = renderHook(() => useCurrentUserRef(), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <TestApiProvider apis={[[identityApiRef, identity]]}>
          {children}
        </TestApiProvider>
      ),
    });

    expect(result.current).toEqual({ userRef: undefined, loading: true });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.userRef).toBe('user:default/alice');
  });
});

describe('sameEntityRef', () => {
  it('compares refs case-insensitively, and never matches a missing one', () => {
    expect(sameEntityRef('user:default/Alice', 'user:default/alice')).toBe(
      true,
    );
    expect(sameEntityRef('user:default/alice', 'user:default/bob')).toBe(false);
    expect(sameEntityRef(undefined, undefined)).toBe(false);
    expect(sameEntityRef('user:default/alice', undefined)).toBe(false);
  });
});

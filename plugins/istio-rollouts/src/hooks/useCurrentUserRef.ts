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

import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';

/**
 * The signed-in user's entity ref (`user:default/alice`), lower-cased so it
 * compares with refs the backend stored; undefined while it loads.
 */
export function useCurrentUserRef(): {
  userRef?: string;
  loading: boolean;
} {
  const identityApi = useApi(identityApiRef);
  const { value, loading } = useAsync(
    async () =>
      (await identityApi.getBackstageIdentity()).userEntityRef.toLowerCase(),
    [identityApi],
  );
  return { userRef: value, loading };
}

/** Entity refs are case-insensitive in kind, namespace and name. */
export function sameEntityRef(a?: string, b?: string): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

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

import { createContext, useContext } from 'react';
import type { ApprovalPolicy } from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * What the route actions need from the requests card, which loads it once
 * for the whole tab: the approval policy (do owners change traffic
 * directly?) and a way to show a request just sent.
 */
export interface PromotionRequestsContextValue {
  /** Undefined until loaded, or when it could not be loaded. */
  policy?: ApprovalPolicy;
  /** The policy is still loading. */
  loading: boolean;
  /** Refetches the requests (after one was sent). */
  refresh: () => void;
}

export const PromotionRequestsContext = createContext<
  PromotionRequestsContextValue | undefined
>(undefined);

/**
 * The tab's requests context; undefined outside it (route actions rendered
 * on their own then act as if owners apply directly, the backend's
 * default, and the backend still enforces the real policy).
 */
export function usePromotionRequestsContext() {
  return useContext(PromotionRequestsContext);
}

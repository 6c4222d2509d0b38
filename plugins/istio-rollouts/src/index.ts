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

/**
 * Frontend plugin for Istio Rollouts for Backstage.
 *
 * @packageDocumentation
 */

export {
  istioRolloutsPlugin,
  EntityIstioRolloutsContent,
  EntityIstioRolloutsCard,
  IstioRolloutsAuditPage,
  IstioRolloutsReleasesPage,
} from './plugin';
export { isIstioRolloutsAvailable } from '@istio-rollouts/plugin-istio-rollouts-common';
export {
  istioRolloutsApiRef,
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
  type AuditExport,
  type AuditExportFormat,
  type AuditExportQuery,
  type HistoryPageOptions,
  type IstioRolloutsApi,
  type IstioRolloutsHealth,
  type ListPromotionRequestsOptions,
  type PromotionRequestSignal,
  type RolloutChangeSignal,
} from './api/IstioRolloutsApi';
export { IstioRolloutsClient } from './api/IstioRolloutsClient';

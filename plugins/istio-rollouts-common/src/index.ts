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
 * Shared types, permissions and pure domain logic of the Istio Rollouts plugin.
 *
 * @packageDocumentation
 */

export * from './annotations';
export * from './permissions';
export * from './types';
export * from './metrics';
export * from './kube/types';
export {
  DEFAULT_CLUSTER_DOMAIN,
  hostMatches,
  parseServiceFqdn,
  resolveHost,
  serviceFqdn,
  shortHostName,
} from './kube/hosts';
export type { ResolveHostOptions } from './kube/hosts';
export {
  labelsInclude,
  matchesLabelSelector,
  parseLabelSelector,
} from './kube/labels';
export type { LabelRequirement } from './kube/labels';
export { DEFAULT_NAMESPACE } from './kube/readMeta';
export {
  isValidNamespaceName,
  isValidObjectName,
  isValidSubsetName,
} from './kube/names';
export { describeMatch, flattenMatch, selectsUsers } from './domain/matchRules';
export { buildVirtualServiceViews } from './domain/buildRolloutView';
export { selectEntityVirtualServices } from './domain/selectEntityVirtualServices';
export type { EntityClusterObjects } from './domain/selectEntityVirtualServices';
export { buildHttpRouteViews } from './gatewayapi/buildHttpRouteViews';
export { selectEntityHttpRoutes } from './gatewayapi/selectEntityHttpRoutes';
export {
  planHttpRouteChange,
  snapshotHttpRouteRule,
} from './gatewayapi/planHttpRouteChange';
export type { PlanHttpRouteChangeOptions } from './gatewayapi/planHttpRouteChange';
export type { EntityHttpRouteObjects } from './gatewayapi/selectEntityHttpRoutes';
export type {
  GatewayHeaderModifier,
  GatewayHttpBackendRef,
  GatewayHttpRoute,
  GatewayHttpRouteFilter,
  GatewayHttpRouteMatch,
  GatewayHttpRouteRule,
  GatewayParentReference,
  HttpRouteClusterObjects,
} from './gatewayapi/types';
export {
  describePodTrafficRoute,
  findRoutesToPods,
  findScaleControllers,
} from './domain/scaleGuards';
export type { PodTrafficRoute, ScaleController } from './domain/scaleGuards';
export * from './actions';
export * from './approvals';
export * from './controllers';
export * from './ownership';
export * from './signals';
export * from './releases/types';
export type {
  DestinationRef,
  FlipOperation,
  JsonPatchOperation,
  PlanRouteChangeOptions,
  PlanRouteChangeResult,
  PromoteFullOperation,
  PromoteNextOperation,
  RemoveMirrorOperation,
  RemoveTargetingOperation,
  FinishOperation,
  RollbackOperation,
  RouteChangePlan,
  RouteChangeRefusal,
  RouteOperation,
  RouteSnapshot,
  SetMirrorOperation,
  SetWeightsOperation,
  SnapshotDestination,
  StartCanaryOperation,
  TargetUsersOperation,
  UserMatch,
  WeightAssignment,
} from './write/types';
export {
  deriveCanaryPlan,
  nextStep,
  validateCanarySteps,
} from './write/canaryPlan';
export type { CanaryPlan } from './write/canaryPlan';
export { validateWeights } from './write/validateWeights';
export type { ValidateWeightsOptions } from './write/validateWeights';
export {
  cookieMatchRegex,
  isTargetRouteName,
  TARGET_ROUTE_PREFIX,
} from './write/targetRoute';
export {
  ROUTE_OPERATION_TYPES,
  planRouteChange,
} from './write/planRouteChange';
export { raisesNonStableShare } from './write/raisesShare';
export { stableVersion } from './write/stableVersion';
export { formatShare } from './write/shares';
export { refersTo, sameVersion } from './write/destinations';
export { describeSplit, sameSplit, snapshotRoute } from './write/snapshot';
export {
  describeObservedChange,
  lastRouteWriter,
  observedRouteChanges,
} from './observedChanges';
export type { FieldWriter, ObservedRouteChange } from './observedChanges';
export { buildRolloutAction } from './argo/rolloutActions';
export type {
  RolloutAction,
  RolloutActionPlan,
  RolloutActionRefusal,
  RolloutActionResult,
  RolloutPatchRequest,
} from './argo/rolloutActions';
export { readRolloutProgress } from './argo/rolloutProgress';
export type {
  AnalysisRunStatusView,
  CanaryStepKind,
  CanaryStepView,
  PauseConditionView,
  RolloutProgress,
} from './argo/rolloutProgress';
export {
  ANALYSIS_TEMPLATE_VARIABLES,
  DEFAULT_ANALYSIS_CHECKS,
  parsePromQLDuration,
  renderQueryTemplate,
  workloadRegex,
} from './analysis/templates';
export type { AnalysisCheckSpec } from './analysis/templates';
export {
  ANALYSIS_ANNOTATION,
  defaultAnalysisSettings,
  parseAnalysisSettings,
  readConfiguredChecks,
  settingsForRoute,
} from './analysis/settings';
export type {
  AnalysisRouteSettings,
  AnalysisSettings,
} from './analysis/settings';
export { findCanaryRoute } from './analysis/canaryRoute';
export type { CanaryRoute } from './analysis/canaryRoute';
export {
  observedSelectors,
  observedTrafficFrom,
  observedTrafficQueries,
} from './analysis/observed';
export type {
  MeasuredVersion,
  ObservedSelectors,
  PromSample,
} from './analysis/observed';
export { MIN_COMPARISON_SAMPLES, mannWhitneyU } from './analysis/statistics';
export type { MannWhitneyResult } from './analysis/statistics';
export { compareVersions } from './analysis/compareVersions';
export type { CompareVersionsInput } from './analysis/compareVersions';
export { analysisVerdict, evaluateCheck } from './analysis/verdict';
export type { AnalysisVerdictInput } from './analysis/verdict';
export {
  describeRouteInFlight,
  lastSpecWrite,
} from './releases/releaseInFlight';
export type { RouteInFlight } from './releases/releaseInFlight';

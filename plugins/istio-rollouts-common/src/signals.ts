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

// What the backend announces through Backstage signals, and the frontend
// listens to. Signals go to every signed-in user, so they carry opaque
// topics, no names: a view (or request list) concerns a signal when it
// carries the signal's topic.

/**
 * The signal channel on which the backend announces changed objects, as
 * {@link RolloutChangeSignal}s.
 *
 * @public
 */
export const ISTIO_ROLLOUTS_SIGNAL_CHANNEL = 'istio-rollouts:changes';

/**
 * Message of {@link ISTIO_ROLLOUTS_SIGNAL_CHANNEL}: a view concerns a change
 * when one of the topics is among its clusters' `signalTopics`.
 *
 * @public
 */
export type RolloutChangeSignal = {
  /** The namespace that changed (or the whole cluster). */
  topic: string;
  /** The cluster it changed on. */
  clusterTopic: string;
};

/**
 * The signal channel on which the backend announces promotion requests
 * created or decided, as {@link PromotionRequestSignal}s.
 *
 * @public
 */
export const ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL = 'istio-rollouts:requests';

/**
 * Message of {@link ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL}: the opaque
 * topic of the entity whose requests changed, as its request list's
 * `signalTopic` gives it; no entity, request or status.
 *
 * @public
 */
export type PromotionRequestSignal = {
  topic: string;
};

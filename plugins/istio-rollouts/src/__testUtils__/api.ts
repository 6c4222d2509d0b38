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

import { ResponseError } from '@backstage/errors';
import type { SignalApi } from '@backstage/plugin-signals-react';
import type { CreatePromotionRequest } from '@istio-rollouts/plugin-istio-rollouts-common';
import type { IstioRolloutsApi } from '../api/IstioRolloutsApi';
import { promotionRequest, routeActionResult, APPROVAL_POLICY } from './writes';

// Stubs of the APIs the components and hooks call.

/**
 * A complete API whose unmocked methods answer as an entity with no
 * clusters, requests or history would, so that each test mocks only what
 * it is about.
 */
export function testApi(api: Partial<IstioRolloutsApi> = {}): IstioRolloutsApi {
  const unexpected = async () => {
    throw new Error('not expected');
  };
  return {
    getHealth: async () => ({ status: 'ok' }),
    getEntityView: async () => ({
      entityRef: 'component:default/reviews',
      clusters: [],
      generatedAt: '2026-11-26T00:00:00Z',
    }),
    applyRouteAction: async () => routeActionResult([90, 10]),
    controllerAction: unexpected,
    scaleVersion: unexpected,
    listRequests: async () => ({ items: [], policy: APPROVAL_POLICY }),
    createRequest: unexpected,
    approveRequest: unexpected,
    rejectRequest: unexpected,
    cancelRequest: unexpected,
    getHistory: async () => ({ items: [] }),
    listAudit: async () => ({ items: [] }),
    exportAudit: unexpected,
    listReleasesInFlight: unexpected,
    ...api,
  };
}

/** A createRequest that answers with the pending request it was sent. */
export function echoingCreateRequest() {
  return jest.fn(async (_entity: unknown, request: CreatePromotionRequest) =>
    promotionRequest({ target: request.target, change: request.change }),
  );
}

/**
 * A cursor-paged list method (listAudit, listReleasesInFlight) answering
 * the page stored under its query's cursor, under `first` without one.
 */
export function pagedByCursor<P>(pages: Record<string, P>) {
  return jest.fn(
    async (query: { cursor?: string } = {}) => pages[query.cursor ?? 'first'],
  );
}

/**
 * An answer the test gives when it chooses: for what a hook or component
 * shows while a request is still on its way.
 */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The error the client throws for an answer of the backend's error
 * middleware (see IstioRolloutsClient): the error's own fields, `reason`
 * among them, are serialized next to its name and message.
 */
export function responseError(
  status: number,
  name: string,
  message: string,
  fields: { reason?: string } = {},
): Promise<ResponseError> {
  const response = new Response(
    JSON.stringify({
      error: { name, message, ...fields },
      response: { statusCode: status },
    }),
    { status, headers: { 'content-type': 'application/json' } },
  );
  return ResponseError.fromResponse(response as any);
}

/**
 * A signal API a test publishes on, as the backend would. Wrap `publish`
 * in act(): it sets the state of every hook subscribed to the channel.
 */
export function testSignalApi() {
  const subscribers = new Map<string, Set<(message: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const onChannel = subscribers.get(channel) ?? new Set();
      subscribers.set(channel, onChannel);
      onChannel.add(onMessage);
      return { unsubscribe: () => onChannel.delete(onMessage) };
    },
  };
  return {
    api,
    publish(channel: string, message: Record<string, unknown>) {
      subscribers.get(channel)?.forEach(onMessage => onMessage(message));
    },
  };
}

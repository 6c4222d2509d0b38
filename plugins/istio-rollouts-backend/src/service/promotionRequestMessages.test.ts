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

import { PromotionRequest } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  decisionNotice,
  describeRequest,
  requestedNotice,
  unknownOutcomeMessage,
} from './promotionRequestMessages';
import { promotionRequest } from '../__testUtils__/promotionRequests';

const routeRequest = promotionRequest();

const controllerRequest: PromotionRequest = {
  ...routeRequest,
  change: {
    type: 'controller-action',
    controller: {
      cluster: 'prod',
      namespace: 'shop',
      kind: 'Rollout',
      name: 'web',
    },
    action: { type: 'argo', action: 'promote' },
  },
};

const withAction = (
  action: Extract<
    PromotionRequest['change'],
    { type: 'controller-action' }
  >['action'],
): PromotionRequest => ({
  ...controllerRequest,
  change: { ...(controllerRequest.change as any), action },
});

describe('describeRequest', () => {
  it('says which route moves, where, from what to what', () => {
    expect(describeRequest(routeRequest)).toBe(
      'move VirtualService shop/web route primary on prod from v1 90% / v2 10% to v1 75% / v2 25%',
    );
    expect(
      describeRequest({
        ...routeRequest,
        target: { ...routeRequest.target, kind: 'HTTPRoute' },
      }),
    ).toMatch(/^move HTTPRoute shop\/web/);
  });

  it("says what a controller action does, and what its next step makes of the controller's route", () => {
    expect(describeRequest(controllerRequest)).toBe(
      'promote Rollout shop/web one step on prod (shop/web route primary: v1 90% / v2 10% now, v1 75% / v2 25% after its next step)',
    );
    expect(
      describeRequest(withAction({ type: 'argo', action: 'promote-full' })),
    ).toMatch(/^fully promote Rollout shop\/web on prod/);
    expect(
      describeRequest(
        withAction({ type: 'flagger-open-gate', gate: 'confirm-promotion' }),
      ),
    ).toMatch(/^open gate confirm-promotion of Rollout shop\/web on prod/);
    expect(describeRequest(withAction({ type: 'flagger-rollback' }))).toMatch(
      /^roll back Rollout shop\/web/,
    );
  });
});

describe('requestedNotice', () => {
  it('names the entity as written, the requester, the change and the reason', () => {
    expect(requestedNotice(routeRequest, 'Web')).toEqual({
      title: 'Traffic change requested for Web',
      description: `user:default/bob asks to ${describeRequest(
        routeRequest,
      )}. Reason: p99 flat`,
    });
    expect(requestedNotice(controllerRequest, 'web').title).toBe(
      'Release step requested for web',
    );
  });
});

describe('decisionNotice', () => {
  const decided = (fields: Partial<PromotionRequest>, request = routeRequest) =>
    decisionNotice({
      ...request,
      decidedBy: 'user:default/alice',
      ...fields,
    });

  it('tells the requester how each decision ended', () => {
    expect(decided({ status: 'applied' })).toEqual({
      title: 'Your traffic change request was applied',
      description: `Your request to ${describeRequest(
        routeRequest,
      )} was approved by user:default/alice and applied.`,
    });
    expect(
      decided({ status: 'rejected', decisionReason: 'freeze' })?.description,
    ).toMatch(/was rejected by user:default\/alice: freeze\.$/);
    expect(decided({ status: 'rejected' })?.description).toMatch(
      /was rejected by user:default\/alice\.$/,
    );
    expect(decided({ status: 'stale' })).toMatchObject({
      title: 'Your traffic change request is stale',
      description: expect.stringMatching(
        /approved by user:default\/alice but not applied: the route changed since the request\.$/,
      ),
    });
    expect(
      decided({ status: 'stale' }, controllerRequest)?.description,
    ).toMatch(/the release moved on since the request\.$/);
    expect(decided({ status: 'failed', message: 'boom' })?.description).toMatch(
      /could not be applied: boom\.$/,
    );
    expect(decided({ status: 'failed' })?.description).toMatch(
      /could not be applied: unknown error\.$/,
    );
    expect(
      decided({ status: 'expired', decidedBy: undefined })?.description,
    ).toMatch(/expired without a decision\.$/);
    expect(decided({ status: 'applied' }, controllerRequest)?.title).toBe(
      'Your release step request was applied',
    );
  });

  it('tells nobody of a cancel: only the requester cancels', () => {
    expect(decided({ status: 'cancelled' })).toBeUndefined();
  });
});

describe('unknownOutcomeMessage', () => {
  it('points to the audit record that will say, when there is one', () => {
    expect(unknownOutcomeMessage('a1')).toContain('History/audit record a1 ');
    expect(unknownOutcomeMessage()).toContain('History/audit record will say');
  });
});

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

import { PermissionsService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ApprovalPolicy } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  PromotionRequestDeciders,
  sameUser,
  signedInUser,
} from './PromotionRequestDeciders';
import { promotionRequest } from '../__testUtils__/promotionRequests';

const ALICE = 'user:default/alice'; // an owner
const BOB = 'user:default/bob'; // may only request

const request = promotionRequest({ requestedBy: ALICE });

// Owners hold the apply permission on the entity; nobody else does.
const permissions = {
  authorize: async (requests: any[], { credentials }: any) =>
    requests.map(r => ({
      result:
        r.permission.name === 'istio-rollouts.promotion.apply' &&
        r.resourceRef === 'component:default/web' &&
        credentials.principal.userEntityRef !== BOB
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })),
} as unknown as PermissionsService;

const deciders = (policy: Partial<ApprovalPolicy> = {}) =>
  new PromotionRequestDeciders({
    permissions,
    policy: {
      fourEyes: true,
      ownersApplyDirectly: true,
      requestTtlSeconds: 60,
      ...policy,
    },
  });

describe('PromotionRequestDeciders', () => {
  it('lets another owner approve', async () => {
    const carol = 'user:default/carol';
    expect(
      await deciders().approvalRefusal(
        request,
        carol,
        mockCredentials.user(carol),
      ),
    ).toBeUndefined();
  });

  it('refuses an approval without the apply permission, naming it', async () => {
    const refusal = await deciders().approvalRefusal(
      request,
      BOB,
      mockCredentials.user(BOB),
    );
    expect(refusal?.name).toBe('NotAllowedError');
    expect(refusal?.message).toBe(
      'You may not approve traffic changes of component:default/web (permission istio-rollouts.promotion.apply)',
    );
  });

  it('refuses the requester their own approval under four-eyes, however their ref is written', async () => {
    for (const spelling of [
      ALICE,
      'user:default/Alice',
      'User:Default/ALICE',
    ]) {
      const refusal = await deciders().approvalRefusal(
        request,
        spelling,
        mockCredentials.user(spelling),
      );
      expect(refusal?.message).toMatch(/^Four-eyes rule/);
    }
    expect(
      await deciders({ fourEyes: false }).approvalRefusal(
        request,
        ALICE,
        mockCredentials.user(ALICE),
      ),
    ).toBeUndefined();
  });

  it('lets owners reject, their own requests too', async () => {
    expect(
      await deciders().rejectionRefusal(request, mockCredentials.user(ALICE)),
    ).toBeUndefined();
    expect(
      (await deciders().rejectionRefusal(request, mockCredentials.user(BOB)))
        ?.message,
    ).toMatch(/^You may not reject traffic changes of component:default\/web/);
  });

  it('lets only the requester cancel', () => {
    expect(
      deciders().cancellationRefusal(request, 'user:default/ALICE'),
    ).toBeUndefined();
    expect(deciders().cancellationRefusal(request, BOB)?.message).toBe(
      `Only the requester (${ALICE}) can cancel request r1`,
    );
  });
});

describe('signedInUser', () => {
  it('is the user entity ref; services make no requests', () => {
    expect(signedInUser(mockCredentials.user(ALICE))).toBe(ALICE);
    expect(() => signedInUser(mockCredentials.service())).toThrow(
      'Promotion requests are made by signed-in users',
    );
  });
});

describe('sameUser', () => {
  it('compares refs normalised and case-insensitively, as the catalog does', () => {
    expect(sameUser('user:default/alice', 'User:Default/ALICE')).toBe(true);
    expect(sameUser('user:default/alice', 'user:default/bob')).toBe(false);
    expect(sameUser('user:default/alice', 'user:other/alice')).toBe(false);
    // Not a ref: compared as it is, but for case.
    expect(sameUser('not a ref:', 'NOT A REF:')).toBe(true);
  });
});

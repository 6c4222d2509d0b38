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

import { mockServices } from '@backstage/backend-test-utils';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import { PromotionRequestNotifier } from './PromotionRequestNotifier';
import { SignalTopics } from './signalTopics';
import { promotionRequest } from '../__testUtils__/promotionRequests';

const BOB = 'user:default/bob';

const request = promotionRequest({ requestedBy: BOB });

function setUp(options: { notifications?: boolean } = {}) {
  const send = jest.fn();
  const publish = jest.fn();
  const logger = mockServices.logger.mock();
  const topics = new SignalTopics(Buffer.from('secret'));
  const notifier = new PromotionRequestNotifier({
    notifications:
      options.notifications === false
        ? undefined
        : ({ send } as unknown as NotificationService),
    signals: { publish } as unknown as SignalsService,
    topics,
    entityLink: e => `/catalog/${e.namespace}/${e.kind}/${e.name}/rollouts`,
    logger,
  });
  const signal = {
    recipients: { type: 'broadcast' },
    channel: 'istio-rollouts:requests',
    message: { topic: topics.request('component:default/web') },
  };
  return { notifier, send, publish, logger, signal };
}

describe('PromotionRequestNotifier', () => {
  it("tells the entity's owners of a new request, not its requester, and signals its tabs", async () => {
    const { notifier, send, publish, signal } = setUp();

    await notifier.requested(request, 'Web');

    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0][0]).toEqual({
      recipients: {
        type: 'entity',
        entityRef: 'component:default/web',
        excludeEntityRef: BOB,
      },
      payload: expect.objectContaining({
        title: 'Traffic change requested for Web',
        link: '/catalog/default/component/web/rollouts',
        severity: 'normal',
        topic: 'istio-rollouts',
        scope: 'istio-rollouts:request:r1:component:default/web',
      }),
    });
    expect(publish.mock.calls).toEqual([[signal]]);
  });

  it('tells the requester of a decision, under one scope per request and recipient', async () => {
    const { notifier, send, publish, signal } = setUp();

    await notifier.decided({ ...request, status: 'expired' });

    expect(send.mock.calls[0][0]).toMatchObject({
      recipients: { type: 'entity', entityRef: BOB },
      payload: {
        title: 'Your traffic change request is expired',
        scope: `istio-rollouts:request:r1:${BOB}`,
      },
    });
    expect(send.mock.calls[0][0].recipients).not.toHaveProperty(
      'excludeEntityRef',
    );
    expect(publish.mock.calls).toEqual([[signal]]);
  });

  it('only signals a cancel: the requester made it', async () => {
    const { notifier, send, publish } = setUp();

    await notifier.decided({ ...request, status: 'cancelled' });

    expect(send).not.toHaveBeenCalled();
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('logs what it cannot send, and never fails the request', async () => {
    const { notifier, send, publish, logger } = setUp();
    send.mockRejectedValue(new Error('notifications down'));
    publish.mockRejectedValue(new Error('signals down'));

    await expect(
      notifier.decided({ ...request, status: 'applied' }),
    ).resolves.toBeUndefined();

    expect(logger.warn).toHaveBeenCalledWith(
      `could not notify ${BOB} about request r1: Error: notifications down`,
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'could not publish request signal: Error: signals down',
    );
  });

  it('still signals without a notifications service', async () => {
    const { notifier, publish } = setUp({ notifications: false });

    await notifier.requested(request, 'web');

    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('gives an entity the same topic however its ref is written', () => {
    const { notifier } = setUp();
    expect(notifier.signalTopic('Component:Default/WEB')).toBe(
      notifier.signalTopic({
        kind: 'component',
        namespace: 'default',
        name: 'web',
      }),
    );
  });
});

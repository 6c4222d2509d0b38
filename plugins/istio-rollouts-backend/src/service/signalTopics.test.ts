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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { randomBytes } from 'node:crypto';
import { SignalTopics } from './signalTopics';

const HEX = /^[0-9a-f]{32,}$/;

describe('SignalTopics', () => {
  const secret = randomBytes(32);
  const topics = new SignalTopics(secret);

  it('gives a change the topic of its namespace, which the views showing that namespace carry', () => {
    const change = topics.change('local', 'shop');
    expect(change).toEqual({
      topic: expect.any(String),
      clusterTopic: expect.any(String),
    });
    expect(change.topic).toMatch(HEX);
    expect(change.clusterTopic).toMatch(HEX);

    const view = topics.clusterView('local', ['shop', 'payments']);
    expect(view).toContain(change.topic);
    expect(view).toContain(topics.change('local', 'payments').topic);
    // Another namespace, or the same name on another cluster, is not its.
    expect(view).not.toContain(topics.change('local', 'other').topic);
    expect(view).not.toContain(topics.change('remote', 'shop').topic);
    // Not every change on the cluster concerns a view that found something.
    expect(view).not.toContain(change.clusterTopic);
  });

  it('lets a view that found nothing (or failed) on a cluster hear of every change there', () => {
    const empty = topics.clusterView('local');
    expect(empty).toContain(topics.change('local', 'shop').clusterTopic);
    expect(empty).toContain(topics.change('local', 'other').clusterTopic);
    expect(empty).not.toContain(topics.change('remote', 'shop').clusterTopic);
    expect(empty).not.toContain(topics.change('local', 'shop').topic);
  });

  it('lets a change of the whole cluster (no namespace) reach every view of it', () => {
    const whole = topics.change('local', '');
    expect(topics.clusterView('local', ['shop'])).toContain(whole.topic);
    expect(topics.clusterView('local')).toContain(whole.clusterTopic);
    expect(topics.clusterView('remote', ['shop'])).not.toContain(whole.topic);
  });

  it("gives an entity's requests one topic, however its reference is written", () => {
    const topic = topics.request('component:default/web');
    expect(topic).toMatch(HEX);
    expect(topics.request('Component:Default/WEB')).toBe(topic);
    expect(
      topics.request({ kind: 'Component', namespace: 'default', name: 'web' }),
    ).toBe(topic);
    expect(topics.request('component:default/other')).not.toBe(topic);
    expect(topics.request('component:team-a/web')).not.toBe(topic);
  });

  it('keeps the kinds of topics apart, whatever the names', () => {
    expect(topics.change('request:component:default', 'web').topic).not.toBe(
      topics.request('component:default/web'),
    );
    expect(topics.change('local', '').topic).not.toBe(
      topics.change('local', '').clusterTopic,
    );
  });

  it('depends on the secret only', () => {
    const topic = topics.change('local', 'shop').topic;
    expect(
      new SignalTopics(Buffer.from(secret)).change('local', 'shop').topic,
    ).toBe(topic);
    expect(
      new SignalTopics(randomBytes(32)).change('local', 'shop').topic,
    ).not.toBe(topic);
  });

  describe('create', () => {
    const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

    it('reads the secret of the plugin database: replicas and restarts agree', async () => {
      const knex = await databases.init('SQLITE_3');
      const replica = () =>
        SignalTopics.create({
          database: mockServices.database.mock({ getClient: async () => knex }),
        });
      const one = await replica();
      const two = await replica();
      expect(two.request('component:default/web')).toBe(
        one.request('component:default/web'),
      );
      expect(two.change('local', 'shop')).toEqual(one.change('local', 'shop'));
      await knex.destroy();
    });
  });
});

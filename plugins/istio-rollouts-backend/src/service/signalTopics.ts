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

import { DatabaseService } from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { RolloutChangeSignal } from '@istio-rollouts/plugin-istio-rollouts-common';
import { createHmac } from 'node:crypto';
import { DatabaseSecretStore } from '../database/DatabaseSecretStore';

/** Name of the secret in the plugin database. */
const SECRET_NAME = 'signal-topics';
/** Bytes of the HMAC kept: 128 bits, as 32 hex characters. */
const TOPIC_BYTES = 16;

/**
 * Signals are broadcast to every signed-in user, so they carry opaque
 * topics instead of names: an HMAC of the cluster and namespace (or of the
 * entity) under a secret only the backend knows. The views and request
 * lists, which only those allowed to read them get, say which topics
 * concern them; a tab refetches when a signal carries one of those.
 *
 * Every topic is prefixed by its kind, so that no cluster, namespace or
 * entity name can make one kind's topic equal another's.
 */
export class SignalTopics {
  /** Topics under the plugin database's secret, the same on every replica. */
  static async create(options: {
    database: DatabaseService;
  }): Promise<SignalTopics> {
    const store = await DatabaseSecretStore.create(options);
    return new SignalTopics(await store.getOrCreate(SECRET_NAME));
  }

  constructor(private readonly secret: Buffer) {}

  /** What a change signal of one namespace (or of the whole cluster: '') says. */
  change(cluster: string, namespace: string): RolloutChangeSignal {
    return {
      topic: this.namespaceTopic(cluster, namespace),
      clusterTopic: this.topic(`cluster:${cluster}`),
    };
  }

  /**
   * The topics that concern a view's part on one cluster. Where it shows
   * something: the namespaces it was computed from, and changes of the
   * whole cluster. Where it found nothing or failed (no `namespaces`):
   * every change on the cluster, as any of them may make something appear.
   */
  clusterView(cluster: string, namespaces?: Iterable<string>): string[] {
    if (!namespaces) return [this.change(cluster, '').clusterTopic];
    const topics = new Set([this.namespaceTopic(cluster, '')]);
    for (const namespace of namespaces) {
      if (namespace) topics.add(this.namespaceTopic(cluster, namespace));
    }
    return [...topics];
  }

  /** The topic of an entity's promotion requests, however its ref is written. */
  request(entityRef: string | CompoundEntityRef): string {
    const ref = stringifyEntityRef(
      typeof entityRef === 'string' ? parseEntityRef(entityRef) : entityRef,
    ).toLocaleLowerCase('en-US');
    return this.topic(`request:${ref}`);
  }

  // Kubernetes namespaces have no '/', so cluster and namespace stay apart.
  private namespaceTopic(cluster: string, namespace: string): string {
    return this.topic(`namespace:${cluster}/${namespace}`);
  }

  private topic(key: string): string {
    return createHmac('sha256', this.secret)
      .update(key)
      .digest()
      .subarray(0, TOPIC_BYTES)
      .toString('hex');
  }
}

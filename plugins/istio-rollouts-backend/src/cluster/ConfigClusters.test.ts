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

import { ConfigReader } from '@backstage/config';
import { readClustersFromConfig } from './ConfigClusters';

function config(clusterLocatorMethods: any[]) {
  return new ConfigReader({ kubernetes: { clusterLocatorMethods } });
}

describe('readClustersFromConfig', () => {
  it('reads every config-type cluster and skips other locator types', () => {
    const clusters = readClustersFromConfig(
      config([
        {
          type: 'config',
          clusters: [
            {
              name: 'a',
              url: 'https://a.example:6443/',
              serviceAccountToken: 't',
              caData: 'Y2E=',
            },
            {
              name: 'b',
              url: 'https://b.example',
              authProvider: 'serviceAccount',
              skipTLSVerify: true,
            },
          ],
        },
        { type: 'gke', projectId: 'p' },
        {
          type: 'config',
          clusters: [{ name: 'c', url: 'http://127.0.0.1:8001' }],
        },
      ]),
    );
    expect(clusters).toEqual([
      {
        name: 'a',
        url: 'https://a.example:6443',
        serviceAccountToken: 't',
        caData: 'Y2E=',
        skipTLSVerify: false,
      },
      {
        name: 'b',
        url: 'https://b.example',
        serviceAccountToken: undefined,
        caData: undefined,
        skipTLSVerify: true,
      },
      {
        name: 'c',
        url: 'http://127.0.0.1:8001',
        serviceAccountToken: undefined,
        caData: undefined,
        skipTLSVerify: false,
      },
    ]);
  });

  it('returns no clusters when nothing is configured', () => {
    expect(readClustersFromConfig(new ConfigReader({}))).toEqual([]);
  });

  it.each([
    [
      [
        { name: 'a', url: 'https://a' },
        { name: 'a', url: 'https://b' },
      ],
      "kubernetes cluster 'a' is configured twice",
    ],
    [
      [{ name: 'a', url: 'a.example' }],
      "kubernetes cluster 'a': url 'a.example' must start with https:// or http://",
    ],
    [
      [{ name: 'a', url: 'https://a', authProvider: 'oidc' }],
      "kubernetes cluster 'a': authProvider 'oidc' is not supported by istio-rollouts; use serviceAccount",
    ],
    [
      [{ url: 'https://a' }],
      "Missing required config value at 'kubernetes.clusterLocatorMethods[0].clusters[0].name'",
    ],
  ])('rejects %j', (clusters, message) => {
    expect(() =>
      readClustersFromConfig(config([{ type: 'config', clusters }])),
    ).toThrow(message);
  });
});

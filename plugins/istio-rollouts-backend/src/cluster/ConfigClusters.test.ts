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

function config(clusterLocatorMethods: any[], istioRollouts?: object) {
  return new ConfigReader({
    kubernetes: { clusterLocatorMethods },
    ...(istioRollouts ? { istioRollouts } : {}),
  });
}

describe('readClustersFromConfig', () => {
  it('reads every config-type cluster and skips other locator types', () => {
    const clusters = readClustersFromConfig(
      config(
        [
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
        ],
        { allowInsecureLoopbackClusters: true },
      ),
    );
    expect(clusters).toEqual([
      {
        name: 'a',
        url: 'https://a.example:6443',
        authProvider: 'serviceAccount',
        serviceAccountToken: 't',
        caData: 'Y2E=',
        skipTLSVerify: false,
        source: 'config',
      },
      {
        // No token: the pod's own, as Backstage's serviceAccount strategy.
        name: 'b',
        url: 'https://b.example',
        authProvider: 'serviceAccount',
        serviceAccountTokenFile:
          '/var/run/secrets/kubernetes.io/serviceaccount/token',
        skipTLSVerify: true,
        source: 'config',
      },
      {
        name: 'c',
        url: 'http://127.0.0.1:8001',
        authProvider: 'serviceAccount',
        serviceAccountTokenFile:
          '/var/run/secrets/kubernetes.io/serviceaccount/token',
        skipTLSVerify: false,
        source: 'config',
      },
    ]);
  });

  it('reads every auth provider the plugin can act with, and what each needs', () => {
    const clusters = readClustersFromConfig(
      config([
        {
          type: 'config',
          clusters: [
            {
              name: 'cert',
              url: 'https://k',
              authProvider: 'clientCertificate',
              clientCertData: 'Y2VydA==',
              clientKeyData: 'a2V5',
              caFile: '/etc/ca.pem',
            },
            {
              name: 'eks',
              url: 'https://eks',
              authProvider: 'aws',
              assumeRole: 'arn:aws:iam::1:role/r',
              externalId: 'x',
              authMetadata: { 'kubernetes.io/x-k8s-aws-id': 'prod' },
            },
            { name: 'aks', url: 'https://aks', authProvider: 'azure' },
            {
              name: 'gke',
              url: 'https://gke',
              authProvider: 'googleServiceAccount',
            },
            {
              name: 'pod',
              url: 'https://k',
              serviceAccountTokenFile: '/tmp/token',
            },
            {
              name: 'proxy',
              url: 'http://127.0.0.1:8002',
              authProvider: 'localKubectlProxy',
            },
          ],
        },
        { type: 'localKubectlProxy' },
      ]),
    );
    expect(clusters.map(c => [c.name, c.authProvider])).toEqual([
      ['cert', 'clientCertificate'],
      ['eks', 'aws'],
      ['aks', 'azure'],
      ['gke', 'googleServiceAccount'],
      ['pod', 'serviceAccount'],
      ['proxy', 'localKubectlProxy'],
      ['local', 'localKubectlProxy'],
    ]);
    expect(clusters[0]).toMatchObject({
      clientCertData: 'Y2VydA==',
      clientKeyData: 'a2V5',
      caFile: '/etc/ca.pem',
    });
    expect(clusters[1].authMetadata).toEqual({
      'kubernetes.io/x-k8s-aws-id': 'prod',
      'kubernetes.io/aws-assume-role': 'arn:aws:iam::1:role/r',
      'kubernetes.io/aws-external-id': 'x',
    });
    expect(clusters[4].serviceAccountTokenFile).toBe('/tmp/token');
    // Backstage's localKubectlProxy locator: kubectl proxy's own address.
    expect(clusters[6]).toEqual({
      name: 'local',
      url: 'http://localhost:8001',
      authProvider: 'localKubectlProxy',
      skipTLSVerify: false,
      source: 'localKubectlProxy',
    });
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
      "kubernetes cluster 'a': authProvider 'oidc' is not supported by istio-rollouts, which acts with its own identity; use one of serviceAccount, localKubectlProxy, clientCertificate, aws, azure, googleServiceAccount",
    ],
    [
      [
        {
          name: 'a',
          url: 'https://a',
          authProvider: 'clientCertificate',
          clientCertData: 'Y2VydA==',
        },
      ],
      "kubernetes cluster 'a': authProvider 'clientCertificate' needs clientCertData and clientKeyData",
    ],
    [
      [
        {
          name: 'a',
          url: 'http://kube.example.com',
          authProvider: 'localKubectlProxy',
        },
      ],
      'not a loopback address',
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

  describe('http:// URLs, over which the bearer token would travel in clear', () => {
    const read = (url: string, allowInsecureLoopbackClusters?: unknown) =>
      readClustersFromConfig(
        config(
          [
            {
              type: 'config',
              clusters: [{ name: 'plain', url, serviceAccountToken: 't' }],
            },
          ],
          allowInsecureLoopbackClusters === undefined
            ? undefined
            : { allowInsecureLoopbackClusters },
        ),
      );

    it.each([
      'http://kube.example.com',
      'http://10.0.0.1:6443',
      'http://127.0.0.1:8001',
      'http://localhost:8001',
      'http://[::1]:8001',
    ])('refuses %s by default, naming the cluster and the fix', url => {
      expect(() => read(url)).toThrow(
        /kubernetes cluster 'plain': url 'http:\/\/.*' is plain http: .*use https:\/\//,
      );
      expect(() => read(url, false)).toThrow(/kubernetes cluster 'plain'/);
    });

    it.each([
      'http://kube.example.com',
      'http://10.0.0.1:6443',
      'http://127.0.0.1.nip.io:8001',
      'http://localhost.example.com',
      'http://[::2]:8001',
      'http://128.0.0.1',
    ])('refuses non-loopback %s even with the loopback opt-in', url => {
      expect(() => read(url, true)).toThrow(
        /kubernetes cluster 'plain': .*not a loopback address/,
      );
    });

    it.each([
      ['http://127.0.0.1:8001', 'http://127.0.0.1:8001'],
      ['http://127.10.20.30', 'http://127.10.20.30'],
      ['http://localhost:8001/', 'http://localhost:8001'],
      ['http://LOCALHOST:8001', 'http://LOCALHOST:8001'],
      ['http://[::1]:8001', 'http://[::1]:8001'],
    ])('accepts loopback %s with the opt-in', (url, expected) => {
      expect(read(url, true)).toEqual([
        expect.objectContaining({ name: 'plain', url: expected }),
      ]);
    });

    it('names the opt-in when a loopback http URL is refused', () => {
      expect(() => read('http://127.0.0.1:8001')).toThrow(
        /istioRollouts\.allowInsecureLoopbackClusters: true/,
      );
    });

    it('accepts https:// without the opt-in', () => {
      expect(read('https://kube.example.com')).toHaveLength(1);
    });
  });
});

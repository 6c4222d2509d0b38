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
import { ConfigReader } from '@backstage/config';
import {
  clientCertClusterConfig,
  clusterConfig,
  startKubectlProxy,
} from '@internal/test-cluster';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterDetails } from './ClusterDetails';
import { kubernetesBackendCredentials } from './cloudCredentials';
import { readClustersFromConfig } from './ConfigClusters';
import { credentialSourceFor } from './credentials';
import { KubeApi, KubeConnectionError } from './KubeApi';

// Each way of authenticating, against the real local kube-apiserver where
// the credential can be real; the cloud providers as far as they go
// without a cloud.

jest.setTimeout(30_000);

function cluster(extra: Partial<ClusterDetails>): ClusterDetails {
  const { serviceAccountToken: _token, ...base } = clusterConfig('plugin');
  return { ...base, skipTLSVerify: false, ...extra };
}

describe('cluster credentials', () => {
  it('reads a pod-style token file, and reads it again after the API server refuses the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'not-a-valid-token\n');
    const api = new KubeApi({
      cluster: cluster({ serviceAccountTokenFile: file }),
    });
    try {
      await expect(api.get('/api')).rejects.toMatchObject({ statusCode: 401 });
      // Rotated by the kubelet: the refused token is not kept.
      writeFileSync(file, `${clusterConfig('plugin').serviceAccountToken}\n`);
      await expect(api.get<any>('/api')).resolves.toMatchObject({
        kind: 'APIVersions',
      });
    } finally {
      api.close();
    }
  });

  // Who the API server says we are (SelfSubjectReview), and that the
  // identity has the plugin's ClusterRole and nothing more.
  async function whoAmI(api: KubeApi): Promise<string> {
    const review: any = await (api as any).requestJson(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      undefined,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
    );
    return review.status.userInfo.username;
  }

  it('signs in with a client certificate against an API server with a client CA', async () => {
    const api = new KubeApi({
      cluster: { ...clientCertClusterConfig('plugin'), skipTLSVerify: false },
    });
    try {
      expect(await whoAmI(api)).toBe('istio-rollouts');
      await expect(
        api.list('/apis/networking.istio.io/v1/virtualservices'),
      ).resolves.toMatchObject({ items: expect.any(Array) });
    } finally {
      api.close();
    }
  });

  it('refuses a client certificate of another CA', async () => {
    const wrong = clientCertClusterConfig('plugin');
    // The serving certificate's key pair is not a client certificate of
    // the client CA.
    const api = new KubeApi({
      cluster: {
        ...wrong,
        clientCertData: clientCertClusterConfig('admin').clientCertData,
        skipTLSVerify: false,
      },
    });
    try {
      // A certificate with another's key: TLS itself fails, nothing is read.
      await expect(api.get('/api')).rejects.toBeDefined();
    } finally {
      api.close();
    }
  });

  it("reaches the cluster through a real kubectl proxy with Backstage's localKubectlProxy locator", async () => {
    const proxy = await startKubectlProxy({ port: 8001 });
    const [local] = readClustersFromConfig(
      new ConfigReader({
        kubernetes: { clusterLocatorMethods: [{ type: 'localKubectlProxy' }] },
      }),
    );
    const api = new KubeApi({ cluster: local });
    try {
      expect(local.url).toBe('http://localhost:8001');
      // The proxy's identity is the plugin's kubeconfig, not ours (none).
      expect(await whoAmI(api)).toBe('istio-rollouts');
    } finally {
      api.close();
      await proxy.stop();
    }
  });

  it('says that nothing was sent when there is no credential to send', async () => {
    const api = new KubeApi({
      cluster: cluster({ serviceAccountTokenFile: '/nonexistent/token' }),
    });
    try {
      const error: any = await api.get('/api').catch(e => e);
      expect(error).toBeInstanceOf(KubeConnectionError);
      expect(error.sent).toBe(false);
      expect(error.message).toMatch(/no credential .*\/nonexistent\/token/);
    } finally {
      api.close();
    }
  });

  it('refuses a cloud provider without the Kubernetes backend installed, naming it', () => {
    expect(() => credentialSourceFor(cluster({ authProvider: 'aws' }))).toThrow(
      /needs Backstage's Kubernetes backend/,
    );
  });

  it("attaches the aws strategy's presigned STS token, named for the cluster (no AWS call)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
    });
    try {
      const cloud = kubernetesBackendCredentials({
        config: new ConfigReader({}),
        logger: mockServices.logger.mock(),
      });
      const source = credentialSourceFor(
        cluster({
          name: 'prod-eks',
          authProvider: 'aws',
          authMetadata: { 'kubernetes.io/x-k8s-aws-id': 'prod' },
        }),
        cloud,
      );
      const credential = await source.get();
      expect(credential.type).toBe('bearer token');
      const token = (credential as { token: string }).token;
      expect(token).toMatch(/^k8s-aws-v1\./);
      const url = new URL(
        Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString(),
      );
      expect(url.hostname).toBe('sts.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toMatch(
        /x-k8s-aws-id/,
      );
      // Cached: one exchange per token lifetime, not one per request.
      expect(await source.get()).toBe(credential);
    } finally {
      process.env = saved;
    }
  });

  it('gives each cloud provider its own strategy, with the cluster and its auth metadata, and exchanges again after a refusal', async () => {
    const calls: string[] = [];
    const strategy = (provider: string) =>
      class {
        async getCredential(details: any, requestAuth: object) {
          calls.push(
            `${provider} ${details.name} ${
              details.authMetadata['kubernetes.io/auth-provider']
            } ${details.authMetadata['kubernetes.io/x-k8s-aws-id'] ?? '-'} ${
              Object.keys(requestAuth).length
            }`,
          );
          return { type: 'bearer token', token: `${provider}-${calls.length}` };
        }
      };
    // The module's shape, as Backstage's Kubernetes backend exports it.
    const cloud = kubernetesBackendCredentials({
      config: new ConfigReader({}),
      logger: mockServices.logger.mock(),
      load: async () => ({
        AwsIamStrategy: strategy('AwsIamStrategy'),
        AzureIdentityStrategy: strategy('AzureIdentityStrategy'),
        GoogleServiceAccountStrategy: strategy('GoogleServiceAccountStrategy'),
      }),
    });
    const aks = credentialSourceFor(
      cluster({ name: 'aks', authProvider: 'azure' }),
      cloud,
    );
    const gke = credentialSourceFor(
      cluster({ name: 'gke', authProvider: 'googleServiceAccount' }),
      cloud,
    );
    expect(await aks.get()).toEqual({
      type: 'bearer token',
      token: 'AzureIdentityStrategy-1',
    });
    expect(await gke.get()).toEqual({
      type: 'bearer token',
      token: 'GoogleServiceAccountStrategy-2',
    });
    await aks.get(); // cached
    aks.invalidate!(); // as after a 401
    expect(await aks.get()).toMatchObject({ token: 'AzureIdentityStrategy-3' });
    expect(calls).toEqual([
      'AzureIdentityStrategy aks azure - 0',
      'GoogleServiceAccountStrategy gke googleServiceAccount - 0',
      'AzureIdentityStrategy aks azure - 0',
    ]);
  });

  it('explains a Kubernetes backend that cannot be loaded', async () => {
    const cloud = kubernetesBackendCredentials({
      config: new ConfigReader({}),
      logger: mockServices.logger.mock(),
      load: () => Promise.reject(new Error("Cannot find module 'x'")),
    });
    await expect(
      credentialSourceFor(cluster({ authProvider: 'azure' }), cloud).get(),
    ).rejects.toThrow(
      /@backstage\/plugin-kubernetes-backend is needed .*Cannot find module/,
    );
  });
});

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

// The local cluster's other ways in: client certificates (kube-apiserver
// --client-ca-file) and a real `kubectl proxy` (startKubectlProxy), checked
// against the real apiserver: who it says we are (SelfSubjectReview) and
// what RBAC lets that identity do.

import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  Identity,
  apiRequest,
  clientCertClusterConfig,
  createTestNamespace,
  figure,
  getTestCluster,
  startKubectlProxy,
} from './index';

/* eslint-disable @typescript-eslint/no-require-imports */
const { request, IDENTITIES } = require('../cluster.js');
/* eslint-enable @typescript-eslint/no-require-imports */

jest.setTimeout(60_000);

const IDENTITY_KEYS = Object.keys(IDENTITIES) as Identity[];
const VS_LIST = '/apis/networking.istio.io/v1/virtualservices';
const SSR = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const SSR_BODY = {
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'SelfSubjectReview',
};

const vsPath = (ns: string, name = '') =>
  `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices${
    name ? `/${name}` : ''
  }`;

function virtualService(ns: string, name: string) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: ns },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: name, subset: 'v1' }, weight: 90 },
            { destination: { host: name, subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    },
  };
}

type Reply = { status: number; text: string; json: any };

/** A request authenticated by nothing but a client certificate. */
function certRequest(
  apiPath: string,
  tls: { cert: string | Buffer; key: string | Buffer },
  options: { method?: string; body?: unknown; contentType?: string } = {},
): Promise<Reply> {
  const c = getTestCluster();
  return request(new URL(apiPath, c.apiserverUrl).toString(), {
    ...options,
    ca: Buffer.from(c.caData, 'base64'),
    cert: tls.cert,
    key: tls.key,
  });
}

const decode = (b64: string) => Buffer.from(b64, 'base64');

/** The identity's certificate and key, as the plugin's config would carry them. */
function pluginStyleTls(identity: Identity) {
  const config = clientCertClusterConfig(identity);
  return {
    cert: decode(config.clientCertData),
    key: decode(config.clientKeyData),
  };
}

/** Resolves with the error code of a TCP connect to 127.0.0.1:port ('connected' if it connects). */
function connectResult(port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code ?? err.message),
    );
  });
}

function processAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('client certificates', () => {
  it('are issued by the client CA to each identity: CN = its user, O = its groups', () => {
    const c = getTestCluster();
    const clientCa = new X509Certificate(fs.readFileSync(c.clientCaFile));
    const servingCa = new X509Certificate(decode(c.caData));
    expect(Object.keys(c.clientCerts).sort()).toEqual(
      [...IDENTITY_KEYS].sort(),
    );
    for (const identity of IDENTITY_KEYS) {
      const files = c.clientCerts[identity];
      // The data fields are the files' PEM, base64-encoded.
      expect(decode(files.certData)).toEqual(fs.readFileSync(files.certFile));
      expect(decode(files.keyData)).toEqual(fs.readFileSync(files.keyFile));
      const cert = new X509Certificate(fs.readFileSync(files.certFile));
      const subject = cert.subject.split('\n');
      expect(subject.filter(l => l.startsWith('CN='))).toEqual([
        `CN=${c.users[identity]}`,
      ]);
      expect(
        subject.filter(l => l.startsWith('O=')).map(l => l.slice(2)),
      ).toEqual(IDENTITIES[identity].groups);
      expect(cert.checkIssued(clientCa)).toBe(true);
      expect(cert.verify(clientCa.publicKey)).toBe(true);
      expect(cert.verify(servingCa.publicKey)).toBe(false);
      expect(cert.ca).toBe(false);
      expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
      expect(
        cert.checkPrivateKey(createPrivateKey(fs.readFileSync(files.keyFile))),
      ).toBe(true);
    }
  });

  it.each(IDENTITY_KEYS)(
    'authenticate %s as the same user and groups as its token',
    async identity => {
      const c = getTestCluster();
      const byCert = await certRequest(
        SSR,
        {
          cert: fs.readFileSync(c.clientCerts[identity].certFile),
          key: fs.readFileSync(c.clientCerts[identity].keyFile),
        },
        { method: 'POST', body: SSR_BODY },
      );
      expect(byCert.status).toBe(201);
      const byToken = await apiRequest('POST', SSR, {
        identity,
        body: SSR_BODY,
      });
      expect(byToken.status).toBe(201);

      const certUser = byCert.json.status.userInfo;
      const tokenUser = byToken.body.status.userInfo;
      expect(certUser.username).toBe(c.users[identity]);
      expect(certUser.username).toBe(tokenUser.username);
      // The token file may record an empty group for a user without groups.
      const groups = (u: any) => (u.groups ?? []).filter(Boolean).sort();
      expect(groups(certUser)).toEqual(
        [...IDENTITIES[identity].groups, 'system:authenticated'].sort(),
      );
      expect(groups(certUser)).toEqual(groups(tokenUser));
    },
  );

  it("give the plugin identity exactly its ClusterRole's rights", async () => {
    const ns = await createTestNamespace('client-cert');
    const tls = pluginStyleTls('plugin');

    const list = await certRequest(VS_LIST, tls);
    expect(list.status).toBe(200);
    expect(Array.isArray(list.json.items)).toBe(true);

    // create: not in the ClusterRole. The same object is valid (admin creates it).
    const refused = await certRequest(vsPath(ns), tls, {
      method: 'POST',
      body: virtualService(ns, 'reviews'),
    });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain(
      `User "${
        getTestCluster().users.plugin
      }" cannot create resource "virtualservices"`,
    );
    const created = await apiRequest('POST', vsPath(ns), {
      body: virtualService(ns, 'reviews'),
    });
    expect(created.status).toBe(201);

    // get and patch: in the ClusterRole.
    const got = await certRequest(vsPath(ns, 'reviews'), tls);
    expect(got.status).toBe(200);
    expect(got.json.metadata.uid).toBe(created.body.metadata.uid);
    const patched = await certRequest(vsPath(ns, 'reviews'), tls, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.json.spec.http[0].route.map((r: any) => r.weight)).toEqual([
      50, 50,
    ]);

    // delete: not in the ClusterRole.
    const deleted = await certRequest(vsPath(ns, 'reviews'), tls, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(403);
  });

  it('refuse a certificate with the same subject from another CA (401)', async () => {
    const run = promisify(execFile);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-ca-'));
    const p = (f: string) => path.join(dir, f);
    const ec = [
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
    ];
    try {
      await run('openssl', [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        p('ca.key'),
        '-out',
        p('ca.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=istio-rollouts-test-client-ca',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
      ]);
      await run('openssl', [
        'req',
        ...ec,
        '-keyout',
        p('client.key'),
        '-out',
        p('client.csr'),
        '-subj',
        `/CN=${getTestCluster().users.plugin}`,
      ]);
      fs.writeFileSync(
        p('client.ext'),
        'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
      );
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        p('client.csr'),
        '-CA',
        p('ca.crt'),
        '-CAkey',
        p('ca.key'),
        '-set_serial',
        '1',
        '-days',
        '1',
        '-out',
        p('client.crt'),
        '-extfile',
        p('client.ext'),
      ]);
      const forged = {
        cert: fs.readFileSync(p('client.crt')),
        key: fs.readFileSync(p('client.key')),
      };
      // Same subject as the real plugin certificate, other issuer.
      expect(new X509Certificate(forged.cert).subject).toBe(
        new X509Certificate(pluginStyleTls('plugin').cert).subject,
      );

      const refused = await certRequest(VS_LIST, forged);
      expect(refused.status).toBe(401);
      expect(refused.json.reason).toBe('Unauthorized');
      // The real one, same request: 200.
      expect(
        (await certRequest(VS_LIST, pluginStyleTls('plugin'))).status,
      ).toBe(200);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubectl proxy', () => {
  it('answers as the plugin identity, and stop() stops it', async () => {
    const c = getTestCluster();
    const ns = await createTestNamespace('kubectl-proxy');
    // Port 0: any free port, so a proxy on 8001 (a demo) does not matter.
    const t0 = Date.now();
    const proxy = await startKubectlProxy({ port: 0 });
    figure(`kubectl proxy answered GET /api ${Date.now() - t0} ms after start`);
    try {
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
      expect(processAlive(proxy.pid)).toBe(true);
      const cmdline = fs.readFileSync(`/proc/${proxy.pid}/cmdline`, 'utf8');
      expect(cmdline.split('\0')).toEqual(
        expect.arrayContaining([
          c.kubectl,
          'proxy',
          `--kubeconfig=${c.kubeconfigs.plugin}`,
        ]),
      );

      // No credentials of our own: the proxy adds the plugin's.
      const review = await request(`${proxy.url}${SSR}`, {
        method: 'POST',
        body: SSR_BODY,
      });
      expect(review.status).toBe(201);
      expect(review.json.status.userInfo.username).toBe(c.users.plugin);

      expect((await request(`${proxy.url}${VS_LIST}`)).status).toBe(200);
      const refused = await request(`${proxy.url}${vsPath(ns)}`, {
        method: 'POST',
        body: virtualService(ns, 'reviews'),
      });
      expect(refused.status).toBe(403);
      expect(refused.json.message).toContain(`User "${c.users.plugin}"`);
    } finally {
      const tStop = Date.now();
      await proxy.stop();
      figure(`kubectl proxy stopped in ${Date.now() - tStop} ms`);
    }
    expect(processAlive(proxy.pid)).toBe(false);
    expect(await connectResult(proxy.port)).toBe('ECONNREFUSED');
    // Stopping again is harmless.
    await proxy.stop();
  });

  it('uses the identity it is given', async () => {
    const proxy = await startKubectlProxy({ port: 0, identity: 'readonly' });
    try {
      const review = await request(`${proxy.url}${SSR}`, {
        method: 'POST',
        body: SSR_BODY,
      });
      expect(review.status).toBe(201);
      expect(review.json.status.userInfo.username).toBe(
        getTestCluster().users.readonly,
      );
    } finally {
      await proxy.stop();
    }
  });

  it('fails with a clear message when the port is taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>(r => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      await expect(startKubectlProxy({ port })).rejects.toThrow(
        `kubectl proxy: port ${port} is already in use on 127.0.0.1`,
      );
    } finally {
      await new Promise(r => squatter.close(r));
    }
  });
});

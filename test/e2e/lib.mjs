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

// What every browser test here shares: the demo's address, its cluster (the
// JSON file scripts/e2e names in ISTIO_ROLLOUTS_E2E_CLUSTER), a read-only
// client of that cluster, and one Chromium page per test file.

import { after, before } from 'node:test';
import fs from 'node:fs';
import https from 'node:https';
import { chromium } from 'playwright-core';

export const APP = 'http://localhost:3000';
export const cluster = JSON.parse(
  fs.readFileSync(process.env.ISTIO_ROLLOUTS_E2E_CLUSTER, 'utf8'),
);

/** GETs a cluster path with the read-only token; resolves to the JSON body. */
export function getJson(path) {
  return new Promise((resolve, reject) => {
    https
      .get(
        new URL(path, cluster.apiserverUrl),
        {
          ca: Buffer.from(cluster.caData, 'base64'),
          headers: { Authorization: `Bearer ${cluster.tokens.readonly}` },
        },
        res => {
          let body = '';
          res.on('data', c => (body += c));
          res.on('end', () => resolve(JSON.parse(body)));
        },
      )
      .on('error', reject);
  });
}

/** Sends a JSON Patch to a cluster path as admin (what `kubectl patch` would). */
export function patchJson(path, ops) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, cluster.apiserverUrl),
      {
        method: 'PATCH',
        ca: Buffer.from(cluster.caData, 'base64'),
        headers: {
          Authorization: `Bearer ${cluster.tokens.admin}`,
          'Content-Type': 'application/json-patch+json',
        },
      },
      res => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`PATCH ${path}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(ops));
  });
}

/** The demo's backend, which the app at APP calls. */
export const BACKEND = 'http://localhost:7007';

/**
 * A Backstage token for one of the demo's people, got the way the demo's
 * sign-in page gets it (the `demo` auth provider, header
 * x-istio-rollouts-demo-user): the backend resolves the User entity in the
 * catalog, so ownership and permissions are real.
 */
export async function userToken(user) {
  const res = await fetch(`${BACKEND}/api/auth/demo/refresh`, {
    headers: { 'x-istio-rollouts-demo-user': user },
  });
  if (!res.ok) throw new Error(`sign-in as ${user}: ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

/**
 * Calls the plugin's API (`/api/istio-rollouts` + path) as a demo person,
 * with a JSON body when `body` is given; resolves to `{ status, json }`.
 */
export async function pluginApi(user, path, { method = 'GET', body } = {}) {
  const res = await fetch(`${BACKEND}/api/istio-rollouts${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${await userToken(user)}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/**
 * The Chromium page of the test file. An ES module export is a live binding:
 * importers see the page once the `before` hook of useChromium has run.
 */
export let page;

/**
 * Launches Chromium before the file's tests and closes it after them. Call
 * once, at the top level of a test file.
 */
export function useChromium(viewport) {
  let browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport });
    page.setDefaultTimeout(60_000);
  });
  after(async () => {
    await browser?.close();
  });
}

/** Signs in with the demo's guest sign-in page as one of its people. */
export async function signInAs(user) {
  await page.goto(`${APP}/`);
  await page.evaluate(() => window.localStorage.clear());
  await page.goto(`${APP}/`);
  await page.getByRole('button', { name: `Sign in as ${user}` }).click();
  await page.waitForURL(/\/catalog/, { timeout: 60_000 });
}

/**
 * Polls `probe` until it returns something truthy, and returns that; fails
 * saying what it waited for.
 */
export async function until(
  what,
  probe,
  timeoutMs = 120_000,
  intervalMs = 500,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = await probe();
    if (last) return last;
    await new Promise(r => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

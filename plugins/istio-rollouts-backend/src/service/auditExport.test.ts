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

import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { startPlugin } from '../__testUtils__/fixtures';
import { DatabaseAuditStore } from '../database/DatabaseAuditStore';
import { AUDIT_CSV_COLUMNS, auditRecordToCsv } from './auditExport';

jest.setTimeout(60_000);

describe('auditRecordToCsv', () => {
  const base = {
    id: '7',
    createdAt: '2026-11-26T10:00:00.000Z',
    entityRef: 'component:default/reviews',
    action: 'promote-next',
    outcome: 'applied' as const,
    cluster: 'local',
    namespace: 'shop',
  };

  it('writes one RFC 4180 line in the header order, every cell quoted, absent fields empty', () => {
    const line = auditRecordToCsv({
      ...base,
      actor: 'user:default/alice',
      route: '1',
      weightsAfter: { destinations: [{ host: 'reviews', weight: 100 }] },
    });
    const cells = [
      '"7"',
      '"2026-11-26T10:00:00.000Z"',
      '"user:default/alice"',
      '""',
      '"component:default/reviews"',
      '"promote-next"',
      '"applied"',
      '"local"',
      '"shop"',
      '""',
      '""',
      '"1"',
      '""',
      '"{""destinations"":[{""host"":""reviews"",""weight"":100}]}"',
      '""',
      '""',
      '""',
      '""',
      '""',
    ];
    expect(cells).toHaveLength(AUDIT_CSV_COLUMNS.length);
    expect(line).toBe(`${cells.join(',')}\r\n`);
  });

  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const line = auditRecordToCsv({
      ...base,
      reason: 'canary ok, "really"\nship it',
      message: '=HYPERLINK("http://x")',
      actor: '@everyone',
    });
    expect(line).toContain('"canary ok, ""really""\nship it"');
    expect(line).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(line).toContain(`,"'@everyone",`);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    // A spreadsheet set to split on `;` reads each segment as its own cell.
    ['ok;=cmd|"/c calc"!A1', `ok;'=cmd|""/c calc""!A1`],
    ['a;+1;b;-2;@x', "a;'+1;b;'-2;'@x"],
    ['=a;=b', "'=a;'=b"],
    ['a;;b', 'a;;b'],
    ['plain text', 'plain text'],
    ['mid=cell+text-@', 'mid=cell+text-@'],
  ])(
    'defuses a formula at the start of the cell or of a ;-segment: %j',
    (reason, cell) => {
      const line = auditRecordToCsv({ ...base, reason });
      const cells = line.slice(0, -2).split(',');
      // Neither value holds a comma, so splitting on commas finds the cell.
      expect(cells[AUDIT_CSV_COLUMNS.indexOf('reason')]).toBe(`"${cell}"`);
    },
  );
});

describe('GET /audit/export', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('streams every matching record, across pages, as CSV or NDJSON', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabaseAuditStore.create({
      database: mockServices.database.mock({ getClient: async () => knex }),
    });
    // More than two export pages (500) of one entity, and some of another.
    for (let i = 0; i < 1203; i++) {
      await store.append({
        actor: `user:default/u${i % 7}`,
        entityRef:
          i % 3 === 0
            ? 'component:default/ratings'
            : 'component:default/reviews',
        action: 'promote-next',
        outcome: i % 10 === 0 ? 'failed' : 'applied',
        cluster: 'local',
        namespace: 'shop',
        virtualService: 'reviews',
        route: 1,
        reason: `step ${i}, "quoted"`,
      });
    }
    const { server } = await startPlugin({ database: knex });
    const get = (query: string) =>
      request(server)
        .get(`/api/istio-rollouts/audit/export${query}`)
        .set('Authorization', mockCredentials.user.header())
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => done(null, text));
        });

    const csv = await get('?format=csv&entityRef=component:default/reviews');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(
      /attachment; filename="istio-rollouts-audit-.*\.csv"/,
    );
    const lines = (csv.body as string).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.map(c => `"${c}"`).join(','));
    expect(lines).toHaveLength(1 + 802);
    expect(
      lines.slice(1).every(l => l.includes('component:default/reviews')),
    ).toBe(true);
    // Newest first, and the ids are each there once.
    const ids = lines.slice(1).map(l => Number(l.split(',')[0].slice(1, -1)));
    expect(new Set(ids).size).toBe(802);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);

    const ndjson = await get('?format=ndjson&outcome=failed');
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const records = (ndjson.body as string)
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l));
    expect(records).toHaveLength(121);
    expect(records.every(r => r.outcome === 'failed')).toBe(true);
    expect(records[0].reason).toMatch(/^step \d+, "quoted"$/);

    expect((await get('?format=xml')).status).toBe(400);
    expect((await get('?format=csv&limit=5')).status).toBe(400);

    const { server: denied } = await startPlugin({
      database: knex,
      permission: AuthorizeResult.DENY,
    });
    const refused = await request(denied)
      .get('/api/istio-rollouts/audit/export?format=csv')
      .set('Authorization', mockCredentials.user.header());
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('component:default/reviews');
  });

  it('answers an error, not a 200 with an empty file, when the database fails', async () => {
    const knex = await databases.init('SQLITE_3');
    const { server } = await startPlugin({ database: knex });
    await knex.destroy();

    const res = await request(server)
      .get('/api/istio-rollouts/audit/export?format=ndjson')
      .set('Authorization', mockCredentials.user.header());

    expect(res.status).toBe(500);
    expect(res.headers['content-disposition']).toBeUndefined();
  });
});

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

import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  IstioRolloutsApi,
  istioRolloutsApiRef,
} from '../../api/IstioRolloutsApi';
import { pagedByCursor, responseError, testApi } from '../../__testUtils__/api';
import { CANARY_RECORDS, auditRecord } from '../../__testUtils__/auditRecords';
import { CATALOG_ROUTES, button } from '../../__testUtils__/render';
import { AuditPage } from './AuditPage';

// The denied state is tested in AuditPage.denied.test.tsx: usePermission
// caches decisions per permission for the whole test file.

async function renderPage(api: Partial<IstioRolloutsApi>, route = '/') {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [istioRolloutsApiRef, testApi(api)],
        [permissionApiRef, mockApis.permission()],
      ]}
    >
      <AuditPage />
    </TestApiProvider>,
    { ...CATALOG_ROUTES, routeEntries: [route] },
  );
}

// Three pages, each one record, linked by cursors c2 and c3.
const pagedAudit = () =>
  pagedByCursor({
    first: {
      items: [auditRecord({ id: '3', reason: 'on page one' })],
      nextCursor: 'c2',
    },
    c2: {
      items: [auditRecord({ id: '2', reason: 'on page two' })],
      nextCursor: 'c3',
    },
    c3: { items: [auditRecord({ id: '1', reason: 'on page three' })] },
  });

// Paging renders several pages in jsdom: on a busy 2-core machine this
// takes longer than Jest's default 5 s.
jest.setTimeout(20_000);

describe('AuditPage', () => {
  it('shows the records: time, entity, actor and approver, action, target, weights, outcome, reason', async () => {
    await renderPage({
      listAudit: jest.fn().mockResolvedValue({ items: [CANARY_RECORDS[0]] }),
    });

    expect(await screen.findByText('Release audit')).toBeInTheDocument();
    const row = (await screen.findByText('latency unchanged at 25%')).closest(
      'tr',
    )!;
    expect(within(row).getByText('reviews')).toBeInTheDocument();
    expect(within(row).getByText('bob')).toBeInTheDocument();
    expect(row).toHaveTextContent('approved by alice');
    expect(within(row).getByText('Promote to next step')).toBeInTheDocument();
    expect(
      within(row).getByText('local · demo/reviews · Route "primary"'),
    ).toBeInTheDocument();
    // Before and after on a line each.
    expect(row).toHaveTextContent(/v1 75% · v2 25%\s*→ v1 50% · v2 50%/);
    expect(within(row).getByText('applied')).toBeInTheDocument();
  });

  it('passes the filters to the backend, in the full form refs are stored in', async () => {
    const listAudit = jest.fn().mockResolvedValue({ items: [] });
    await renderPage({ listAudit });
    await waitFor(() =>
      expect(listAudit).toHaveBeenCalledWith({ limit: 50, cursor: undefined }),
    );

    fireEvent.change(screen.getByLabelText('Entity'), {
      target: { value: 'reviews' },
    });
    fireEvent.change(screen.getByLabelText('Actor'), {
      target: { value: 'alice' },
    });
    fireEvent.change(screen.getByLabelText('Action'), {
      target: { value: ' rollback ' },
    });
    fireEvent.mouseDown(screen.getByLabelText('Outcome'));
    fireEvent.click(await screen.findByRole('option', { name: 'denied' }));
    fireEvent.change(screen.getByLabelText('From'), {
      target: { value: '2026-11-01T08:30' },
    });
    fireEvent.click(button('Apply filters'));

    await waitFor(() =>
      expect(listAudit).toHaveBeenLastCalledWith({
        entityRef: 'component:default/reviews',
        actor: 'user:default/alice',
        action: 'rollback',
        outcome: 'denied',
        from: new Date('2026-11-01T08:30').toISOString(),
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(
      await screen.findByText('No records match these filters'),
    ).toBeInTheDocument();

    fireEvent.click(button('Clear'));
    await waitFor(() =>
      expect(listAudit).toHaveBeenLastCalledWith({
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(await screen.findByText('No audit records yet')).toBeInTheDocument();
  });

  it('reads its filters from the URL, so a filtered view can be shared', async () => {
    const listAudit = jest.fn().mockResolvedValue({ items: [] });
    await renderPage(
      { listAudit },
      '/?outcome=failed&actor=user%3Adefault%2Fbob',
    );

    await waitFor(() =>
      expect(listAudit).toHaveBeenCalledWith({
        actor: 'user:default/bob',
        outcome: 'failed',
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(screen.getByLabelText('Actor')).toHaveValue('user:default/bob');
  });

  it('pages forward with the cursor and back with the cursors seen', async () => {
    const listAudit = pagedAudit();
    await renderPage({ listAudit });

    expect(await screen.findByText('on page one')).toBeInTheDocument();
    expect(button('Previous')).toBeDisabled();

    fireEvent.click(button('Next'));
    expect(await screen.findByText('on page two')).toBeInTheDocument();
    expect(listAudit).toHaveBeenLastCalledWith({ limit: 50, cursor: 'c2' });
    expect(screen.getAllByText('Page 2').length).toBeGreaterThan(0);

    await waitFor(() => expect(button('Next')).toBeEnabled());
    fireEvent.click(button('Next'));
    expect(await screen.findByText('on page three')).toBeInTheDocument();
    expect(listAudit).toHaveBeenLastCalledWith({ limit: 50, cursor: 'c3' });
    // The last page has no next cursor.
    expect(button('Next')).toBeDisabled();

    fireEvent.click(button('Previous'));
    expect(await screen.findByText('on page two')).toBeInTheDocument();
    expect(listAudit).toHaveBeenLastCalledWith({ limit: 50, cursor: 'c2' });
    await waitFor(() => expect(button('Previous')).toBeEnabled());
    fireEvent.click(button('Previous'));
    expect(await screen.findByText('on page one')).toBeInTheDocument();
    expect(listAudit).toHaveBeenLastCalledWith({
      limit: 50,
      cursor: undefined,
    });
    expect(button('Previous')).toBeDisabled();
  });

  it('starts again at the first page when the filters change', async () => {
    const listAudit = pagedAudit();
    await renderPage({ listAudit });
    fireEvent.click(await screen.findByRole('button', { name: 'Next' }));
    await screen.findByText('on page two');

    fireEvent.change(screen.getByLabelText('Action'), {
      target: { value: 'rollback' },
    });
    fireEvent.click(button('Apply filters'));

    expect(await screen.findByText('on page one')).toBeInTheDocument();
    expect(listAudit).toHaveBeenLastCalledWith({
      action: 'rollback',
      limit: 50,
      cursor: undefined,
    });
    expect(button('Previous')).toBeDisabled();
  });

  describe('export', () => {
    const createObjectURL = jest.fn(() => 'blob:audit');
    const revokeObjectURL = jest.fn();
    let clicked: HTMLAnchorElement[] = [];

    beforeEach(() => {
      clicked = [];
      Object.assign(URL, { createObjectURL, revokeObjectURL });
      jest
        .spyOn(HTMLAnchorElement.prototype, 'click')
        .mockImplementation(function recordClick(this: HTMLAnchorElement) {
          clicked.push(this);
        });
    });
    afterEach(() => jest.restoreAllMocks());

    it('downloads the filtered trail as CSV or NDJSON', async () => {
      const content = new Blob(['id,createdAt\n'], { type: 'text/csv' });
      const exportAudit = jest.fn().mockImplementation(async (_q, format) => ({
        content,
        filename: `audit.${format}`,
      }));
      await renderPage({
        listAudit: jest.fn().mockResolvedValue({ items: [] }),
        exportAudit,
      });

      fireEvent.change(await screen.findByLabelText('Actor'), {
        target: { value: 'bob' },
      });
      fireEvent.click(button('Apply filters'));
      fireEvent.click(button('Export CSV'));

      await waitFor(() => expect(clicked).toHaveLength(1));
      expect(exportAudit).toHaveBeenCalledWith(
        { actor: 'user:default/bob' },
        'csv',
      );
      expect(createObjectURL).toHaveBeenCalledWith(content);
      expect(clicked[0].download).toBe('audit.csv');
      expect(clicked[0].href).toBe('blob:audit');
      await waitFor(() =>
        expect(revokeObjectURL).toHaveBeenCalledWith('blob:audit'),
      );

      await waitFor(() => expect(button('Export NDJSON')).toBeEnabled());
      fireEvent.click(button('Export NDJSON'));
      await waitFor(() => expect(clicked).toHaveLength(2));
      expect(exportAudit).toHaveBeenLastCalledWith(
        { actor: 'user:default/bob' },
        'ndjson',
      );
      expect(clicked[1].download).toBe('audit.ndjson');
    });
  });

  it("shows the backend's refusal in an error panel", async () => {
    const error = await responseError(
      403,
      'NotAllowedError',
      'Reading the release audit needs the istio-rollouts.audit.read permission',
    );
    await renderPage({ listAudit: jest.fn().mockRejectedValue(error) });
    expect(
      (
        await screen.findAllByText(
          /Reading the release audit needs the istio-rollouts.audit.read permission/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Next' })).toBeNull();
  });
});

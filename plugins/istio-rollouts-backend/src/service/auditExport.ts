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

import type { AuditExportFormat } from '@istio-rollouts/plugin-istio-rollouts-common';
import type { Response } from 'express';
import {
  AuditRecord,
  AuditRecordPage,
  AuditStore,
  ListAuditRecordsOptions,
} from '../database/AuditStore';

/** Columns of the CSV export, in order; also its header row. */
export const AUDIT_CSV_COLUMNS: ReadonlyArray<keyof AuditRecord> = [
  'id',
  'createdAt',
  'actor',
  'approver',
  'entityRef',
  'action',
  'outcome',
  'cluster',
  'namespace',
  'virtualService',
  'workload',
  'route',
  'weightsBefore',
  'weightsAfter',
  'resourceVersionBefore',
  'resourceVersionAfter',
  'reason',
  'message',
  'requestId',
];

/**
 * One RFC 4180 CSV line (CRLF-terminated), every cell quoted (`"` doubled;
 * an absent field is `""`). Weights are JSON in their cell.
 *
 * Reasons and messages are user input, and a spreadsheet runs a cell that
 * starts with `=`, `+`, `-`, `@`, tab or CR as a formula: such a start is
 * prefixed with `'`, at the start of the cell and at the start of every
 * `;`-separated segment in it (a spreadsheet in a locale that separates
 * fields with `;` splits the cell there). The NDJSON export is unchanged.
 */
export function auditRecordToCsv(record: AuditRecord): string {
  return csvLine(AUDIT_CSV_COLUMNS.map(column => record[column]));
}

function csvLine(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '""';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const defused = text.replace(/(^|;)(?=[=+\-@\t\r])/g, "$1'");
  return `"${defused.replace(/"/g, '""')}"`;
}

/**
 * Streams every record matching the filters, newest first, page by page
 * (keyset, 500 at a time): memory stays flat however long the trail is,
 * and the response honours back-pressure from a slow client.
 */
export async function streamAuditExport(options: {
  store: AuditStore;
  filters: Omit<ListAuditRecordsOptions, 'limit' | 'cursor'>;
  format: AuditExportFormat;
  res: Response;
}): Promise<void> {
  const { store, filters, format, res } = options;
  const page = (cursor?: string) =>
    store.list({ ...filters, limit: 500, cursor });
  // The first page is read before anything is sent, so a failing database
  // is an error response, not a 200 with an empty file.
  let next: AuditRecordPage | undefined = await page();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.status(200);
  res.setHeader(
    'Content-Type',
    format === 'csv'
      ? 'text/csv; charset=utf-8'
      : 'application/x-ndjson; charset=utf-8',
  );
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="istio-rollouts-audit-${stamp}.${format}"`,
  );
  const write = async (chunk: string) => {
    if (!res.write(chunk)) {
      await new Promise<void>(resolve => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  };
  try {
    if (format === 'csv') await write(csvLine([...AUDIT_CSV_COLUMNS]));
    while (next && !res.destroyed) {
      for (const record of next.items) {
        await write(
          format === 'csv'
            ? auditRecordToCsv(record)
            : `${JSON.stringify(record)}\n`,
        );
        if (res.destroyed) return;
      }
      next = next.nextCursor ? await page(next.nextCursor) : undefined;
    }
  } catch (error) {
    // The status is sent: cut the connection so the download fails visibly
    // instead of ending as a complete-looking, truncated file.
    res.destroy(error as Error);
    return;
  }
  res.end();
}

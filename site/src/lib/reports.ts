import { apiRequest } from './api.ts';

/** How many of the terminal's last lines a report may attach. */
export const REPORT_TERMINAL_LINES = 50;

/** What a learner sends with "Report a problem" (`POST /api/reports`). */
export interface NewReport {
  lesson: string;
  /** The `##` heading of the section it was sent from. */
  section: string;
  text: string;
  /** The terminal's last lines, joined by `\n`. */
  terminal?: string;
}

/** A report as an instructor reads it (`GET /api/reports`). */
export interface Report {
  id: string;
  lesson: string;
  section: string;
  /** The learner's handle (a hash of their cookie), as the roster names them. */
  learner: string;
  name: string | null;
  classId: string | null;
  text: string;
  terminal: string | null;
  createdAt: string;
  doneAt: string | null;
}

export type ReportFilter = 'open' | 'done' | 'all';

export const sendReport = (report: NewReport) =>
  apiRequest<{ id: string }>('/api/reports', { method: 'POST', body: report });

export const listReports = (state: ReportFilter) =>
  apiRequest<{ reports: Report[] }>(`/api/reports?state=${state}`).then((r) => r.reports);

/** Marks a report done, or (with `done` false) open again. */
export const markReport = (id: string, done: boolean) =>
  apiRequest<Report>(`/api/reports/${encodeURIComponent(id)}/done`, { method: done ? 'POST' : 'DELETE' });

export const reportsCsvUrl = (state: ReportFilter) => `/api/reports.csv?state=${state}`;

/** What xterm.js's active buffer offers to read its lines. */
export interface TerminalBufferLike {
  length: number;
  getLine(index: number): { translateToString(trimRight?: boolean): string } | undefined;
}

/**
 * The buffer's last `count` lines that are not blank, oldest first, each trimmed at its right end:
 * what a report attaches. Blank lines (the empty screen below the prompt) are left out.
 */
export function lastNonEmptyLines(buffer: TerminalBufferLike, count = REPORT_TERMINAL_LINES): string[] {
  const lines: string[] = [];
  for (let i = buffer.length - 1; i >= 0 && lines.length < count; i--) {
    const text = buffer.getLine(i)?.translateToString(true) ?? '';
    if (text.trim() !== '') lines.push(text);
  }
  return lines.reverse();
}

import { ApiError, apiRequest } from './api.ts';

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

/** The reports the caller sees: a signed-in instructor's (their cookie), or, with `token`, every one. */
export const listReports = (state: ReportFilter, token?: string) =>
  apiRequest<{ reports: Report[] }>(`/api/reports?state=${state}`, { token }).then((r) => r.reports);

/** Marks a report done, or (with `done` false) open again. */
export const markReport = (id: string, done: boolean, token?: string) =>
  apiRequest<Report>(`/api/reports/${encodeURIComponent(id)}/done`, {
    method: done ? 'POST' : 'DELETE',
    token,
  });

export const reportsCsvUrl = (state: ReportFilter) => `/api/reports.csv?state=${state}`;

/**
 * Downloads the CSV with the admin token: a link cannot send the `Authorization` header, so the
 * file is fetched and handed to the browser as a download.
 */
export async function downloadReportsCsv(state: ReportFilter, token: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(reportsCsvUrl(state), { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError('Could not reach the Dockyard server. Check that it is running, then try again.', 0);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as
      { error?: { message?: unknown } } | undefined;
    const message = body?.error?.message;
    throw new ApiError(
      typeof message === 'string' ? message : `The server answered with status ${response.status}.`,
      response.status,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `reports-${state}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const shows = (filter: ReportFilter, report: Report) =>
  filter === 'all' || (filter === 'done') === (report.doneAt !== null);

/**
 * The list as it is after `report` arrived (new, or marked done or open again): in its place by
 * time, newest first, if the filter shows it, else left out.
 */
export function applyReport(list: Report[], report: Report, filter: ReportFilter): Report[] {
  const rest = list.filter((r) => r.id !== report.id);
  if (!shows(filter, report)) return rest;
  const at = rest.findIndex((r) => r.createdAt <= report.createdAt);
  return at < 0 ? [...rest, report] : [...rest.slice(0, at), report, ...rest.slice(at)];
}

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

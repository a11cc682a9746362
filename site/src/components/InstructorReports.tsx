import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { subscribeReports } from '../lib/report-events.ts';
import {
  applyReport,
  downloadReportsCsv,
  listReports,
  markReport,
  reportsCsvUrl,
  type Report,
  type ReportFilter,
} from '../lib/reports.ts';
import type { CourseLesson } from '../lib/roster-view.ts';

const FILTERS: { value: ReportFilter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'done', label: 'Done' },
  { value: 'all', label: 'All' },
];

const timeOf = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The "Reports" region of the instructor's home: what their classes' learners reported from a
 * lesson's sections, newest first, each with the terminal lines they attached, to mark done (or
 * open again); open, done or all, and as CSV. With `token` (the admin view), every report. Live:
 * reports filed, and marked done or open again (here or on another page), arrive on
 * `GET /api/reports/events` and take their place in the list without a reload.
 */
export default function InstructorReports({
  lessons,
  hydrated,
  token,
}: {
  lessons: CourseLesson[];
  hydrated: boolean;
  /** The admin token: every report, all classes and learners in none. */
  token?: string;
}) {
  const [filter, setFilter] = useState<ReportFilter>('open');
  const [reports, setReports] = useState<Report[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const filterRef = useRef(filter);
  filterRef.current = filter;
  /** Events since the last load was asked for: laid over its answer, which may predate them. */
  const sinceLoad = useRef<Report[]>([]);

  const load = useCallback(() => {
    sinceLoad.current = [];
    return listReports(filter, token).then(
      (found) => {
        setReports(sinceLoad.current.reduce((list, r) => applyReport(list, r, filter), found));
        setError(undefined);
      },
      (err: unknown) => setError(describeError(err)),
    );
  }, [filter, token]);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setReports(undefined);
    void load();
  }, [load]);

  useEffect(
    () =>
      subscribeReports(token, {
        // Reports filed while the stream was shut come with the list.
        onOpen: () => void loadRef.current(),
        onReport: (report) => {
          sinceLoad.current.push(report);
          setReports((list) => list && applyReport(list, report, filterRef.current));
        },
        onClosed: setError,
      }),
    [token],
  );

  const mark = (report: Report, done: boolean) => {
    setBusy(report.id);
    markReport(report.id, done, token)
      .then(
        (changed) => {
          setReports((list) => list && applyReport(list, changed, filter));
          setError(undefined);
        },
        (err: unknown) => setError(describeError(err)),
      )
      .finally(() => setBusy(undefined));
  };

  const titleOf = (slug: string) => lessons.find((l) => l.slug === slug)?.title ?? slug;

  return (
    <section aria-labelledby="reports-title" className="instructor-reports">
      <h2 id="reports-title">Reports</h2>
      <p>
        {token ? 'What every learner reported' : "What your classes' learners reported"} with &ldquo;Report a
        problem&rdquo;, newest first. New reports appear here as they are sent.
      </p>
      <div className="reports-tools">
        <label>
          Show{' '}
          <select
            value={filter}
            disabled={!hydrated}
            onChange={(e) => setFilter(e.target.value as ReportFilter)}
          >
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" disabled={!hydrated} onClick={() => void load()}>
          Refresh
        </button>
        {token ? (
          <button
            type="button"
            className="button"
            disabled={!hydrated}
            onClick={() =>
              void downloadReportsCsv(filter, token).catch((err: unknown) => setError(describeError(err)))
            }
          >
            Download CSV
          </button>
        ) : (
          <a href={reportsCsvUrl(filter)} download>
            Download CSV
          </a>
        )}
      </div>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      {reports === undefined ? (
        !error && <p>Loading the reports…</p>
      ) : reports.length === 0 ? (
        <p>{filter === 'done' ? 'No report is marked done.' : 'No report yet.'}</p>
      ) : (
        <ol className="reports-list">
          {reports.map((r) => (
            <li key={r.id} aria-labelledby={`report-${r.id}`}>
              <h3 id={`report-${r.id}`}>
                {titleOf(r.lesson)}
                {r.section && <>: {r.section}</>}
              </h3>
              <p className="report-meta">
                {r.name ?? `Learner ${r.learner}`}
                {token && <> ({r.classId ? `class ${r.classId}` : 'in no class'})</>},{' '}
                <time dateTime={r.createdAt}>{timeOf(r.createdAt)}</time>
                {r.doneAt && <> (done)</>}
              </p>
              <p className="report-text" style={{ whiteSpace: 'pre-wrap' }}>
                {r.text}
              </p>
              {r.terminal && <pre aria-label="Terminal lines">{r.terminal}</pre>}
              <button
                type="button"
                className="button"
                disabled={!hydrated || busy === r.id}
                onClick={() => mark(r, !r.doneAt)}
              >
                {r.doneAt ? 'Mark open' : 'Mark done'}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

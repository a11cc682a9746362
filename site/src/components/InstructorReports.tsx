import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { listReports, markReport, reportsCsvUrl, type Report, type ReportFilter } from '../lib/reports.ts';
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
 * open again); open, done or all, and as CSV.
 */
export default function InstructorReports({
  lessons,
  hydrated,
}: {
  lessons: CourseLesson[];
  hydrated: boolean;
}) {
  const [filter, setFilter] = useState<ReportFilter>('open');
  const [reports, setReports] = useState<Report[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  const load = useCallback(
    () =>
      listReports(filter).then(
        (found) => {
          setReports(found);
          setError(undefined);
        },
        (err: unknown) => setError(describeError(err)),
      ),
    [filter],
  );
  useEffect(() => {
    setReports(undefined);
    void load();
  }, [load]);

  const mark = (report: Report, done: boolean) => {
    setBusy(report.id);
    markReport(report.id, done)
      .then(load, (err: unknown) => setError(describeError(err)))
      .finally(() => setBusy(undefined));
  };

  const titleOf = (slug: string) => lessons.find((l) => l.slug === slug)?.title ?? slug;

  return (
    <section aria-labelledby="reports-title" className="instructor-reports">
      <h2 id="reports-title">Reports</h2>
      <p>What your classes&apos; learners reported with &ldquo;Report a problem&rdquo;, newest first.</p>
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
        <a href={reportsCsvUrl(filter)} download>
          Download CSV
        </a>
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
                {r.name ?? `Learner ${r.learner}`}, <time dateTime={r.createdAt}>{timeOf(r.createdAt)}</time>
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

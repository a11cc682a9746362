import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../lib/api.ts';
import {
  importKillercoda,
  listClassLessons,
  problemsOf,
  type ClassLessonEntry,
  type ContentProblem,
  type ImportResult,
} from '../lib/class-exercises.ts';
import { describeProblem } from '../lib/problem-marks.ts';
import { useAction } from '../lib/use-action.ts';

// CodeMirror, the page renderer and the YAML parser load only when an instructor opens the editor.
const ExerciseEditor = lazy(() => import('./ExerciseEditor.tsx'));

function proofCell(entry: ClassLessonEntry): string {
  if (!entry.proof) return 'not proven';
  return entry.proof.state === 'running' ? 'proving…' : entry.proof.state;
}

/** A Killercoda scenario zip in, a class lesson out: the importer's report, then the lesson opens. */
function KillercodaImport({
  classId,
  hydrated,
  onImported,
}: {
  classId: string;
  hydrated: boolean;
  onImported: (slug: string) => void;
}) {
  const [zip, setZip] = useState<File | undefined>();
  const [report, setReport] = useState<ImportResult['report']>([]);
  const [problems, setProblems] = useState<ContentProblem[]>([]);
  const { busy, outcome, run } = useAction();
  const start = () => {
    if (!zip) return;
    setReport([]);
    setProblems([]);
    void run(
      async () => {
        const result = await importKillercoda(classId, zip).catch((err: unknown) => {
          setProblems(problemsOf(err));
          throw err;
        });
        setReport(result.report);
        onImported(result.slug);
        return result;
      },
      (r) =>
        `Imported "${r.slug}" as version ${r.version}${r.report.length > 0 ? `; ${r.report.length} note${r.report.length === 1 ? '' : 's'} below` : ''}.`,
    );
  };
  return (
    <div className="killercoda-import">
      <label htmlFor={`killercoda-${classId}`}>Killercoda scenario (.zip)</label>{' '}
      <input
        id={`killercoda-${classId}`}
        type="file"
        accept=".zip,application/zip"
        disabled={!hydrated || busy}
        onChange={(e) => setZip(e.target.files?.[0])}
      />{' '}
      <button type="button" className="button" disabled={!hydrated || busy || !zip} onClick={start}>
        Import from Killercoda
      </button>
      <div role="status" aria-live="polite">
        {outcome && <p className={outcome.failed ? 'hub-error' : 'roster-said'}>{outcome.text}</p>}
      </div>
      {(report.length > 0 || problems.length > 0) && (
        <ul className="import-report" aria-label="Import report">
          {report.map((r, i) => (
            <li key={`r${i}`}>
              {r.file}
              {r.line === undefined ? '' : ` line ${r.line}`}: {r.message}
            </li>
          ))}
          {problems.map((p, i) => (
            <li key={`p${i}`}>{describeProblem(p)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A class's own lessons: the list with their proof and publication, and the editor for one. */
export default function ClassExercises({ classId, hydrated }: { classId: string; hydrated: boolean }) {
  const [entries, setEntries] = useState<ClassLessonEntry[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<{ slug: string | undefined; key: number } | undefined>();
  const dirty = useRef(false);

  const refresh = useCallback(
    () =>
      listClassLessons(classId).then(
        (found) => {
          setEntries(found);
          setError(undefined);
        },
        (err: unknown) => setError(describeError(err)),
      ),
    [classId],
  );
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const openEditor = (slug: string | undefined) => {
    if (dirty.current && !window.confirm('Leave the lesson you are editing? Its unsaved changes are lost.'))
      return;
    dirty.current = false;
    setOpen({ slug, key: Date.now() });
  };
  const onDirty = useCallback((now: boolean) => {
    dirty.current = now;
  }, []);

  return (
    <section className="class-exercises" aria-labelledby={`exercises-${classId}`}>
      <h3 id={`exercises-${classId}`}>Exercises</h3>
      <p>
        Lessons of your own for this class: write the page and its exercises, prove them on a fresh machine,
        then publish them to the class&apos;s learners.
      </p>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      {entries === undefined ? (
        !error && <p>Loading the class&apos;s lessons…</p>
      ) : entries.length === 0 ? (
        <p>No lesson of your own yet.</p>
      ) : (
        <table className="class-table class-lessons-table">
          <thead>
            <tr>
              {['Lesson', 'Slug', 'Version', 'Proof', 'Published'].map((head) => (
                <th key={head} scope="col">
                  {head}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Edit</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.slug} aria-current={open?.slug === entry.slug ? 'true' : undefined}>
                <th scope="row">{entry.title}</th>
                <td>{entry.slug}</td>
                <td>{entry.version}</td>
                <td>{proofCell(entry)}</td>
                <td>{entry.published === null ? 'no' : `version ${entry.published}`}</td>
                <td>
                  <button
                    type="button"
                    className="button"
                    disabled={!hydrated}
                    aria-label={`Edit ${entry.title}`}
                    onClick={() => openEditor(entry.slug)}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="class-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={!hydrated}
          onClick={() => openEditor(undefined)}
        >
          New exercise
        </button>
      </p>
      <KillercodaImport
        classId={classId}
        hydrated={hydrated}
        onImported={(slug) => {
          void refresh();
          openEditor(slug);
        }}
      />
      {open && (
        <Suspense fallback={<p role="status">Loading the editor…</p>}>
          <ExerciseEditor
            key={open.key}
            classId={classId}
            slug={open.slug}
            hydrated={hydrated}
            onChanged={() => void refresh()}
            onDirty={onDirty}
            onClose={() => {
              dirty.current = false;
              setOpen(undefined);
            }}
          />
        </Suspense>
      )}
    </section>
  );
}

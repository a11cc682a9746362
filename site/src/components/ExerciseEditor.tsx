import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { renderPage } from '../../../engine/src/pages/render-page.ts';
import { ApiError, describeError } from '../lib/api.ts';
import {
  getClassLesson,
  getProof,
  problemsOf,
  proveClassLesson,
  publishClassLesson,
  saveClassLesson,
  validateClassLesson,
  type ClassLessonDetail,
  type ContentProblem,
  type LessonDraft,
  type Proof,
} from '../lib/class-exercises.ts';
import { lessonIds, type LessonIds } from '../lib/lesson-ids.ts';
import { newLessonDraft } from '../lib/lesson-template.ts';
import { renderStandIns } from '../lib/placeholder-stand-ins.ts';
import { describeProblem } from '../lib/problem-marks.ts';
import { proofSentence, publishable, refusal } from '../lib/proof-view.ts';
import { useAction, type ActionOutcome } from '../lib/use-action.ts';
import { createValidateScheduler, type ValidateScheduler } from '../lib/validate-scheduler.ts';
import CodeEditor from './CodeEditor.tsx';
import ProofPanel from './ProofPanel.tsx';

/** How long typing must pause before the lesson is checked on the server. */
const VALIDATE_DELAY_MS = 500;
/** How often a running proof is asked for its progress. */
const PROOF_POLL_MS = 1500;

const noIds: LessonIds = { exercises: [], quizzes: [] };
const sameDraft = (a: LessonDraft, b: LessonDraft) =>
  a.slug === b.slug && a.page === b.page && a.exercises === b.exercises;

function Outcome({ outcome }: { outcome: ActionOutcome | undefined }) {
  if (!outcome) return null;
  return <p className={outcome.failed ? 'hub-error' : 'roster-said'}>{outcome.text}</p>;
}

/** The page as the learner will see it, with read-only stand-ins for its Run boxes and cards. */
function Preview({ html, ids }: { html: string; ids: LessonIds }) {
  const pane = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = pane.current;
    if (!root) return;
    // `html` comes from renderPage, sanitised with its narrow schema: safe to put in the page.
    root.innerHTML = html;
    renderStandIns(root, ids);
  }, [html, ids]);
  return (
    <section className="lesson-preview" aria-labelledby="lesson-preview-title">
      <h5 id="lesson-preview-title">Preview</h5>
      <div ref={pane} className="lesson-text" />
    </section>
  );
}

/** Polls a proof until it is over; `onOver` is told once it is. */
function useProof(
  classId: string,
  slug: string | undefined,
  proofId: string | undefined,
  onOver: () => void,
) {
  const [proof, setProof] = useState<Proof | undefined>();
  const [error, setError] = useState<string | undefined>();
  const over = useRef(onOver);
  useEffect(() => {
    over.current = onOver;
  }, [onOver]);
  useEffect(() => {
    if (!slug || !proofId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () =>
      getProof(classId, slug, proofId).then(
        (found) => {
          if (stopped) return;
          setProof(found);
          setError(undefined);
          if (found.state === 'running') timer = setTimeout(tick, PROOF_POLL_MS);
          else over.current();
        },
        (err: unknown) => {
          if (stopped) return;
          setError(`Could not read the proof: ${describeError(err)}`);
          // A proof that is gone stays gone; anything else may be a moment's network trouble.
          if (!(err instanceof ApiError && err.status === 404)) timer = setTimeout(tick, PROOF_POLL_MS * 2);
        },
      );
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [classId, slug, proofId]);
  // A proof shows only under its own id: starting another clears the last one's table.
  return { proof: proof?.proofId === proofId ? proof : undefined, error };
}

/**
 * Writes one class lesson: its slug (a new one), page and exercises in two editors, checked on the
 * server as the instructor types, with a live preview; then Save, Prove and Publish.
 */
export default function ExerciseEditor({
  classId,
  slug: openedSlug,
  hydrated,
  onChanged,
  onDirty,
  onClose,
}: {
  classId: string;
  /** The lesson to edit, or undefined for a new one. */
  slug: string | undefined;
  hydrated: boolean;
  /** A version was saved, proven or published: the list is out of date. */
  onChanged: () => void;
  onDirty: (dirty: boolean) => void;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<LessonDraft>(
    openedSlug ? { ...newLessonDraft, slug: openedSlug } : newLessonDraft,
  );
  /** What the server holds (the draft is unsaved while it differs), or the template of a new lesson. */
  const [baseline, setBaseline] = useState<LessonDraft | undefined>(openedSlug ? undefined : newLessonDraft);
  const [savedSlug, setSavedSlug] = useState(openedSlug);
  const [detail, setDetail] = useState<ClassLessonDetail | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [ids, setIds] = useState<LessonIds>(() => lessonIds(newLessonDraft.exercises) ?? noIds);
  /** The server's problems with the draft, or undefined while it could not say. */
  const [serverProblems, setServerProblems] = useState<ContentProblem[] | undefined>();
  const [checkError, setCheckError] = useState<string | undefined>();
  const [proofId, setProofId] = useState<string | undefined>();
  const save = useAction();
  const prove = useAction();
  const publish = useAction();

  const loaded = baseline !== undefined;
  const dirty = loaded && !sameDraft(draft, baseline);

  const reload = useCallback(
    (slug: string) =>
      getClassLesson(classId, slug).then((found) => {
        setDetail(found);
        return found;
      }),
    [classId],
  );

  useEffect(() => {
    if (!openedSlug) return;
    reload(openedSlug).then(
      (found) => {
        const opened = { slug: found.slug, page: found.page, exercises: found.exercises };
        setDraft(opened);
        setBaseline(opened);
        setIds(lessonIds(found.exercises) ?? noIds);
        // The latest proof shows its table; one still running (started before this opened) goes on.
        if (found.proofs[0]) setProofId(found.proofs[0].proofId);
      },
      (err: unknown) => setLoadError(describeError(err)),
    );
  }, [openedSlug, reload]);

  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // Checks the draft on the server as the instructor types: one call at a time, stale answers dropped.
  const scheduler = useRef<ValidateScheduler<LessonDraft> | undefined>(undefined);
  useEffect(() => {
    const made = createValidateScheduler<LessonDraft, ContentProblem[]>({
      delayMs: VALIDATE_DELAY_MS,
      run: (input) => validateClassLesson(classId, input),
      onResult: (problems) => {
        setServerProblems(problems);
        setCheckError(undefined);
      },
      onError: (err) => {
        setServerProblems(undefined);
        setCheckError(
          `Could not check the lesson on the server (${describeError(err)}); the page's problems below are the preview's.`,
        );
      },
    });
    scheduler.current = made;
    return () => made.dispose();
  }, [classId]);
  useEffect(() => {
    if (loaded) scheduler.current?.schedule(draft);
  }, [draft, loaded]);

  const page = useDeferredValue(draft.page);
  const rendered = useMemo(
    () =>
      renderPage(page, { exercises: ids.exercises.map((e) => e.id), quizzes: ids.quizzes.map((q) => q.id) }),
    [page, ids],
  );
  const problems = useMemo<ContentProblem[]>(
    () => serverProblems ?? rendered.problems.map((p) => ({ in: 'page', ...p })),
    [serverProblems, rendered],
  );
  const slugProblems = problems.filter((p) => p.in === 'slug');

  const setPage = useCallback((text: string) => setDraft((d) => ({ ...d, page: text })), []);
  const setExercises = useCallback((text: string) => {
    setDraft((d) => ({ ...d, exercises: text }));
    // On a YAML error the preview keeps the ids it knew.
    const next = lessonIds(text);
    if (next) setIds(next);
  }, []);

  const proofOver = useCallback(() => {
    if (savedSlug) void reload(savedSlug).catch(() => undefined);
    onChanged();
  }, [savedSlug, reload, onChanged]);
  const running = useProof(classId, savedSlug, proofId, proofOver);

  const onSave = () => {
    const sent = draft;
    void save.run(
      async () => {
        const answer = await saveClassLesson(classId, sent).catch((err: unknown) => {
          const found = problemsOf(err);
          if (found.length > 0) setServerProblems(found);
          throw err;
        });
        setBaseline(sent);
        setSavedSlug(answer.slug);
        onChanged();
        await reload(answer.slug).catch(() => undefined);
        return answer;
      },
      (answer) => `Saved version ${answer.version}.`,
    );
  };

  const onProve = () =>
    void prove.run(
      async () => setProofId(await proveClassLesson(classId, savedSlug!)),
      'The proof started: its steps show below as they run.',
      (err) => refusal(err, 'prove'),
    );

  const onPublish = () => {
    const version = detail!.version;
    void publish.run(
      async () => {
        await publishClassLesson(classId, savedSlug!);
        onChanged();
        await reload(savedSlug!).catch(() => undefined);
      },
      `Published version ${version} — learners of this class see it.`,
      (err) => refusal(err, 'publish'),
    );
  };

  const close = () => {
    if (dirty && !window.confirm('Close this lesson? Its unsaved changes are lost.')) return;
    onClose();
  };

  const proof = running.proof;
  const proving = proof?.state === 'running' || (proofId !== undefined && !proof);
  const canPublish = publishable(detail) && !proving;
  const title = detail?.title ?? (openedSlug ? openedSlug : 'New lesson');

  if (loadError)
    return (
      <section className="lesson-editor" aria-labelledby="lesson-editor-title">
        <h4 id="lesson-editor-title">{title}</h4>
        <p className="hub-error" role="alert">
          Could not open the lesson: {loadError}
        </p>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </section>
    );
  if (!loaded) return <p role="status">Opening {openedSlug}…</p>;

  return (
    <section className="lesson-editor" aria-labelledby="lesson-editor-title">
      <h4 id="lesson-editor-title">{savedSlug ? `Editing ${title}` : 'New lesson'}</h4>
      <p className="lesson-editor-slug">
        <label htmlFor="lesson-slug">Slug</label>{' '}
        <input
          id="lesson-slug"
          value={draft.slug}
          readOnly={savedSlug !== undefined}
          required
          maxLength={40}
          pattern="[a-z0-9\-]{1,40}"
          aria-invalid={slugProblems.length > 0 || undefined}
          aria-describedby="lesson-slug-help"
          onChange={(e) => setDraft((d) => ({ ...d, slug: e.target.value }))}
        />{' '}
        <span id="lesson-slug-help" className="lesson-editor-help">
          {slugProblems.length > 0
            ? slugProblems.map((p) => p.message).join(' ')
            : savedSlug
              ? 'Saved under this slug: learners’ progress is kept under it.'
              : '1 to 40 of a-z, 0-9 and -, not a course lesson’s.'}
        </span>
      </p>
      <div className="lesson-editor-panes">
        <div className="lesson-editor-sources">
          {(
            [
              ['Page (Markdown)', 'markdown', 'page', setPage],
              ['Exercises (YAML)', 'yaml', 'exercises', setExercises],
            ] as const
          ).map(([label, language, input, onChange]) => (
            <CodeEditor
              key={input}
              label={label}
              language={language}
              value={draft[input]}
              onChange={onChange}
              problems={problems}
              input={input}
              describedBy="lesson-problems"
            />
          ))}
        </div>
        <Preview html={rendered.html} ids={ids} />
      </div>
      <section className="lesson-problems" aria-labelledby="lesson-problems-title">
        <h5 id="lesson-problems-title">Problems</h5>
        <div id="lesson-problems" aria-live="polite">
          {problems.length === 0 ? (
            <p>No problems found.</p>
          ) : (
            <ul>
              {problems.map((p, i) => (
                <li key={i}>{describeProblem(p)}</li>
              ))}
            </ul>
          )}
        </div>
        {checkError && <p className="lesson-editor-help">{checkError}</p>}
      </section>
      <p className="lesson-editor-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={!hydrated || save.busy || draft.slug.trim() === '' || (!dirty && savedSlug !== undefined)}
          onClick={onSave}
        >
          Save
        </button>{' '}
        <button
          type="button"
          className="button"
          disabled={!hydrated || prove.busy || proving || savedSlug === undefined || dirty}
          aria-describedby="lesson-actions-help"
          onClick={onProve}
        >
          Prove
        </button>{' '}
        <button
          type="button"
          className="button"
          disabled={!hydrated || publish.busy || !canPublish}
          aria-describedby="lesson-actions-help"
          onClick={onPublish}
        >
          Publish
        </button>{' '}
        <button type="button" className="button" onClick={close}>
          Close editor
        </button>
      </p>
      <p id="lesson-actions-help" className="lesson-editor-help">
        {savedSlug === undefined
          ? 'Save the lesson to prove it.'
          : `Version ${detail?.version ?? '…'}${detail?.published ? ` · learners see version ${detail.published}` : ' · not published'}. ${dirty ? 'Save your changes to prove them. ' : ''}Prove runs every check on a fresh machine before and after its solve; Publish needs a passed proof of the latest version.`}
      </p>
      <div className="lesson-editor-status" role="status" aria-live="polite">
        <Outcome outcome={save.outcome} />
        <Outcome outcome={prove.outcome} />
        {proof && proof.state !== 'running' && <p className="roster-said">{proofSentence(proof)}</p>}
        {running.error && <p className="hub-error">{running.error}</p>}
        <Outcome outcome={publish.outcome} />
      </div>
      {proof && <ProofPanel proof={proof} />}
    </section>
  );
}

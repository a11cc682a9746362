import { useEffect, useRef, useState } from 'react';
import {
  extendMachine,
  resetLesson,
  restartMachine,
  type ExerciseTally,
  type Roster,
  type RosterLearner,
} from '../lib/classes.ts';
import { subscribeRoster, type RosterClosed } from '../lib/roster-subscription.ts';
import { useAction } from '../lib/use-action.ts';
import {
  cellDescription,
  cellText,
  exerciseColumns,
  hardestExercise,
  timeSince,
  type CourseLesson,
  type ExerciseColumn,
} from '../lib/roster-view.ts';
import type { TerminalMode } from './LearnerTerminalView.tsx';

export type { CourseLesson } from '../lib/roster-view.ts';

/** Minutes an "Extend" click adds to a learner's machine. */
const EXTEND_MINUTES = 30;

/** One bar per exercise: passed, trying and not started, so the instructor sees which step to explain again. */
function ExerciseBars({
  columns,
  summary,
  learners,
}: {
  columns: ExerciseColumn[];
  summary: Record<string, ExerciseTally>;
  learners: number;
}) {
  const hardest = hardestExercise(columns, summary);
  const percent = (n: number) => `${(100 * n) / Math.max(1, learners)}%`;
  return (
    <section aria-label="Progress per exercise" className="exercise-bars">
      {hardest && (
        <p className="exercise-bars-hint" data-testid="hardest-exercise">
          {summary[hardest.key]!.trying} learners are trying {hardest.label} {hardest.title} and have not
          passed it yet.
        </p>
      )}
      <ol>
        {columns.map((column) => {
          const tally = summary[column.key] ?? { passed: 0, trying: 0, notStarted: learners };
          const words = `${tally.passed} passed, ${tally.trying} trying, ${tally.notStarted} not started`;
          return (
            <li key={column.key} data-exercise={column.key}>
              <span className="exercise-bar-label" title={column.title}>
                {column.label}
              </span>
              <span className="exercise-bar" aria-hidden="true" title={`${column.title}: ${words}`}>
                <span className="bar-passed" style={{ width: percent(tally.passed) }} />
                <span className="bar-trying" style={{ width: percent(tally.trying) }} />
              </span>
              <span className="exercise-bar-words">
                <span className="visually-hidden">{column.title}: </span>
                {words}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** A roster row's buttons: watch or help in the terminal, reset the lesson, restart, extend. */
function LearnerActions({
  classId,
  learner,
  onTerminal,
}: {
  classId: string;
  learner: RosterLearner;
  onTerminal: (mode: TerminalMode) => void;
}) {
  const { busy, outcome: said, run } = useAction();
  const machine = learner.machine;
  const lesson = machine?.lesson ?? null;

  const act = (what: () => Promise<void>, done: string, question?: string) => {
    if (question && !window.confirm(question)) return;
    void run(what, done);
  };

  if (!machine) return null;
  const label = (verb: string) => `${verb} ${learner.name}`;
  return (
    <div className="roster-actions">
      <button
        type="button"
        className="button"
        aria-label={label('Watch')}
        onClick={() => onTerminal('watch')}
      >
        Watch
      </button>
      <button type="button" className="button" aria-label={label('Help')} onClick={() => onTerminal('help')}>
        Help
      </button>
      {lesson && (
        <button
          type="button"
          className="button"
          disabled={busy}
          aria-label={`Reset ${learner.name}'s lesson`}
          onClick={() =>
            act(
              () => resetLesson(classId, learner.id, lesson),
              `Reset ${lesson}: its setup ran again.`,
              `Run the setup of ${lesson} again in ${learner.name}'s machine? What it prepares is put back as at the start.`,
            )
          }
        >
          Reset lesson
        </button>
      )}
      <button
        type="button"
        className="button"
        disabled={busy}
        aria-label={label('Restart the machine of')}
        onClick={() =>
          act(
            () => restartMachine(classId, learner.id),
            'Restarted: files are kept.',
            `Restart ${learner.name}'s machine? Files are kept; the shell and running containers stop.`,
          )
        }
      >
        Restart
      </button>
      <button
        type="button"
        className="button"
        disabled={busy}
        aria-label={`Give ${learner.name} ${EXTEND_MINUTES} more minutes`}
        onClick={() =>
          act(() => extendMachine(classId, learner.id, EXTEND_MINUTES), `${EXTEND_MINUTES} more minutes.`)
        }
      >
        +{EXTEND_MINUTES} min
      </button>
      {said && (
        <span className={said.failed ? 'hub-error' : 'roster-said'} role={said.failed ? 'alert' : 'status'}>
          {said.text}
        </span>
      )}
    </div>
  );
}

/** Where the learner is now: the exercise, for how long, and why their last check failed. */
function OnNow({
  learner,
  columns,
  now,
}: {
  learner: RosterLearner;
  columns: ExerciseColumn[];
  now: number;
}) {
  const current = learner.current;
  if (!current) return <span>{Object.keys(learner.exercises).length > 0 ? 'all done' : ''}</span>;
  const column = columns.find((c) => c.key === current.exercise);
  const cell = learner.exercises[current.exercise];
  return (
    <div className="roster-now">
      <span>
        {column ? `${column.label} ${column.title}` : current.exercise} · {timeSince(current.since, now)}
      </span>
      {cell?.state === 'trying' && cell.lastMessage && (
        <span className="roster-last-message" data-testid="last-message">
          {cell.lastMessage}
        </span>
      )}
    </div>
  );
}

/**
 * The class's live roster: one bar per exercise, then a heatmap of learners × exercises with where
 * each learner is, stuck learners first and marked, and what the instructor can do for each.
 */
export default function ClassRoster({
  classId,
  lessons,
  onTerminal,
  onClosed,
}: {
  classId: string;
  lessons: CourseLesson[];
  onTerminal: (learner: RosterLearner, mode: TerminalMode) => void;
  /** The server ended the live roster for good: the class ended, or this sign-in did. */
  onClosed: (why: RosterClosed) => void;
}) {
  const [roster, setRoster] = useState<Roster | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(() => Date.now());
  // The latest callback, without resubscribing when the parent renders a new one.
  const closedRef = useRef(onClosed);
  closedRef.current = onClosed;

  useEffect(() => {
    setRoster(undefined);
    return subscribeRoster(
      classId,
      (r) => {
        setRoster(r);
        setError(undefined);
        setNow(Date.now());
      },
      setError,
      undefined,
      (why) => closedRef.current(why),
    );
  }, [classId]);
  // "Time on this exercise" moves on between roster events.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  const columns = roster ? exerciseColumns(lessons, roster) : [];
  const stuck = roster?.learners.filter((l) => l.stuck).length ?? 0;

  return (
    <section aria-labelledby={`roster-${classId}`} className="roster">
      <h3 id={`roster-${classId}`}>Roster</h3>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      {!roster && !error && <p>Loading the roster…</p>}
      {roster && roster.learners.length === 0 && <p>No learner has joined yet.</p>}
      {roster && roster.learners.length > 0 && (
        <>
          <ExerciseBars columns={columns} summary={roster.summary} learners={roster.learners.length} />
          <div className="roster-scroll">
            <table className="class-table roster-table">
              <caption>
                {roster.learners.length} learner{roster.learners.length === 1 ? '' : 's'}
                {stuck > 0 && `, ${stuck} stuck`} (live; stuck means 3 failed checks in a row, or no pass for{' '}
                {roster.stuckMinutes} minutes)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Learner</th>
                  {columns.map((c) => (
                    <th scope="col" key={c.key} title={c.title} className="roster-exercise">
                      {c.label}
                      <span className="visually-hidden"> {c.title}</span>
                    </th>
                  ))}
                  <th scope="col">On now</th>
                  <th scope="col">Machine</th>
                </tr>
              </thead>
              <tbody>
                {roster.learners.map((learner) => (
                  <tr
                    key={learner.id}
                    data-learner={learner.id}
                    className={learner.stuck ? 'roster-stuck' : undefined}
                  >
                    <th scope="row">
                      {learner.name}
                      {learner.stuck && (
                        <span className="roster-stuck-mark" data-testid="stuck">
                          {' '}
                          Stuck: {learner.stuck.reason}
                        </span>
                      )}
                    </th>
                    {columns.map((c) => {
                      const cell = learner.exercises[c.key];
                      const description = cellDescription(c, cell);
                      return (
                        <td
                          key={c.key}
                          className={`heat heat-${cell?.state ?? 'not-started'}`}
                          title={description}
                          data-exercise={c.key}
                        >
                          <span aria-hidden="true">{cellText(cell)}</span>
                          <span className="visually-hidden">{description}</span>
                        </td>
                      );
                    })}
                    <td className="roster-now-cell">
                      <OnNow learner={learner} columns={columns} now={now} />
                    </td>
                    <td className="roster-machine-cell">
                      <span className="roster-machine">
                        {learner.machine
                          ? `${learner.machine.state}${learner.machine.lesson ? ` · ${learner.machine.lesson}` : ''}`
                          : 'none'}
                      </span>
                      <LearnerActions
                        classId={classId}
                        learner={learner}
                        onTerminal={(mode) => onTerminal(learner, mode)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

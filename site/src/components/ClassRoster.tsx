import { useEffect, useState } from 'react';
import type { Roster, RosterLearner } from '../lib/classes.ts';
import { subscribeRoster } from '../lib/roster-subscription.ts';

/** A lesson of the course, as the instructor's pages name it. */
export interface CourseLesson {
  slug: string;
  title: string;
}

/** Passed and all exercises of one lesson, from a roster row's `<lesson>/<exercise>` keys. */
function lessonCounts(learner: RosterLearner, slug: string): { passed: number; total: number } {
  let passed = 0;
  let total = 0;
  for (const [key, exercise] of Object.entries(learner.exercises)) {
    if (!key.startsWith(`${slug}/`)) continue;
    total += 1;
    if (exercise.state === 'passed') passed += 1;
  }
  return { passed, total };
}

/** The class's roster: every learner who joined, their exercises passed per lesson and their machine. */
export default function ClassRoster({ classId, lessons }: { classId: string; lessons: CourseLesson[] }) {
  const [roster, setRoster] = useState<Roster | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    setRoster(undefined);
    return subscribeRoster(
      classId,
      (r) => {
        setRoster(r);
        setError(undefined);
      },
      setError,
    );
  }, [classId]);

  // The class's own lessons, in course order (the roster lists exercises of those only).
  const shown = roster
    ? lessons.filter((l) => roster.learners.some((learner) => lessonCounts(learner, l.slug).total > 0))
    : [];

  return (
    <section aria-labelledby={`roster-${classId}`}>
      <h3 id={`roster-${classId}`}>Roster</h3>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      {!roster && !error && <p>Loading the roster…</p>}
      {roster && roster.learners.length === 0 && <p>No learner has joined yet.</p>}
      {roster && roster.learners.length > 0 && (
        <table className="class-table roster-table">
          <caption>
            {roster.learners.length} learner{roster.learners.length === 1 ? '' : 's'} (updated as they work)
          </caption>
          <thead>
            <tr>
              <th scope="col">Learner</th>
              {shown.map((l, i) => (
                <th scope="col" key={l.slug} title={l.title}>
                  {i + 1}
                  <span className="visually-hidden"> {l.title}</span>
                </th>
              ))}
              <th scope="col">Machine</th>
            </tr>
          </thead>
          <tbody>
            {roster.learners.map((learner) => (
              <tr key={learner.id} data-learner={learner.id}>
                <th scope="row">{learner.name}</th>
                {shown.map((l) => {
                  const { passed, total } = lessonCounts(learner, l.slug);
                  return (
                    <td
                      key={l.slug}
                      className={passed === 0 ? '' : passed >= total ? 'class-done' : 'class-some'}
                      title={`${l.title}: ${passed} of ${total} exercises passed`}
                    >
                      {passed === 0 ? '' : `${passed}/${total}`}
                    </td>
                  );
                })}
                <td>
                  {learner.machine
                    ? `${learner.machine.state}${learner.machine.lesson ? ` · ${learner.machine.lesson}` : ''}`
                    : 'none'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

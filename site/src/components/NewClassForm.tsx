import { useState, type FormEvent } from 'react';
import { describeError } from '../lib/api.ts';
import { createClass, type NewClass } from '../lib/classes.ts';
import type { CourseLesson } from './ClassRoster.tsx';

/** A `datetime-local` value (the instructor's own time zone) as the ISO time with zone the API takes. */
const isoTime = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** "New class": name, capacity, lessons (none ticked: the whole course), start and end, pre-warm. */
export default function NewClassForm({
  lessons,
  hydrated,
  onCreated,
}: {
  lessons: CourseLesson[];
  hydrated: boolean;
  onCreated: (id: string) => void;
}) {
  const [name, setName] = useState('');
  const [capacity, setCapacity] = useState('30');
  const [chosen, setChosen] = useState<string[]>([]);
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [prewarm, setPrewarm] = useState('0');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input: NewClass = {
      name,
      capacity: Number(capacity),
      prewarm: Number(prewarm),
      startsAt: isoTime(startsAt),
      endsAt: isoTime(endsAt),
      // In course order, whatever order they were ticked in.
      lessons: chosen.length > 0 ? lessons.map((l) => l.slug).filter((s) => chosen.includes(s)) : undefined,
    };
    setBusy(true);
    setError(undefined);
    createClass(input)
      .then(
        (created) => {
          setName('');
          setChosen([]);
          onCreated(created.id);
        },
        (err: unknown) => setError(describeError(err)),
      )
      .finally(() => setBusy(false));
  };

  const disabled = !hydrated || busy;
  return (
    <form className="new-class" onSubmit={submit} aria-labelledby="new-class-title">
      <h2 id="new-class-title">New class</h2>
      <p>
        <label>
          Class name{' '}
          <input
            value={name}
            maxLength={100}
            required
            onChange={(e) => setName(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <p>
        <label>
          Capacity (learners){' '}
          <input
            type="number"
            min={1}
            max={500}
            value={capacity}
            required
            onChange={(e) => setCapacity(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <fieldset disabled={disabled}>
        <legend>Lessons (none ticked: the whole course)</legend>
        {lessons.map((l) => (
          <label key={l.slug} className="new-class-lesson">
            <input
              type="checkbox"
              checked={chosen.includes(l.slug)}
              onChange={(e) =>
                setChosen((now) => (e.target.checked ? [...now, l.slug] : now.filter((s) => s !== l.slug)))
              }
            />{' '}
            {l.title}
          </label>
        ))}
      </fieldset>
      <p>
        <label>
          Starts (optional){' '}
          <input
            type="datetime-local"
            value={startsAt}
            onChange={(e) => setStartsAt(e.target.value)}
            disabled={disabled}
          />
        </label>{' '}
        <label>
          Ends (optional){' '}
          <input
            type="datetime-local"
            value={endsAt}
            onChange={(e) => setEndsAt(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <p>
        <label>
          Machines to pre-warm before the start{' '}
          <input
            type="number"
            min={0}
            max={Number(capacity) || 500}
            value={prewarm}
            onChange={(e) => setPrewarm(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <button type="submit" className="button button-primary" disabled={disabled}>
        Create class
      </button>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { getLearnerName, setLearnerName } from '../lib/classroom.ts';
import { useHydrated } from '../lib/use-hydrated.ts';

/** "Your name in class": what the instructor's view shows for this browser's learner. */
export default function LearnerName() {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const hydrated = useHydrated();

  useEffect(() => {
    getLearnerName().then(
      // What the learner already typed wins over the saved name arriving late.
      (n) => setName((typed) => typed || (n ?? '')),
      () => undefined,
    );
  }, []);

  return (
    <form
      className="learner-name"
      onSubmit={(e) => {
        e.preventDefault();
        setLearnerName(name).then(
          (saved) => setMessage(`Saved: your instructor sees you as ${saved}.`),
          (err: unknown) => setMessage(describeError(err)),
        );
      }}
    >
      <label>
        In a class? Your name for the instructor{' '}
        <input value={name} maxLength={40} onChange={(e) => setName(e.target.value)} disabled={!hydrated} />
      </label>{' '}
      <button type="submit" className="button" disabled={!hydrated}>
        Save
      </button>
      {message && <span role="status"> {message}</span>}
    </form>
  );
}

import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { JOINED_EVENT, readJoinedClass } from '../lib/class-join.ts';
import { getLearnerName, setLearnerName } from '../lib/classroom.ts';
import { useHydrated } from '../lib/use-hydrated.ts';

/**
 * "Your name in class" for the admin token's single-class view: what it shows for this browser's
 * learner. Hidden once the learner joined a class with a code, which has their name already.
 */
export default function LearnerName() {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const [inClass, setInClass] = useState(false);
  const hydrated = useHydrated();

  useEffect(() => {
    const look = () => setInClass(readJoinedClass(localStorage) !== undefined);
    look();
    window.addEventListener(JOINED_EVENT, look);
    return () => window.removeEventListener(JOINED_EVENT, look);
  }, []);

  useEffect(() => {
    getLearnerName().then(
      // What the learner already typed wins over the saved name arriving late.
      (n) => setName((typed) => typed || (n ?? '')),
      () => undefined,
    );
  }, []);

  if (inClass) return null;
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

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describeError } from '../lib/api.ts';
import {
  classCodeFromSearch,
  readJoinedClass,
  saveJoinedClass,
  JOINED_EVENT,
  tidyCode,
  type JoinedClass,
} from '../lib/class-join.ts';
import { joinClass } from '../lib/classes.ts';
import { useHydrated } from '../lib/use-hydrated.ts';

/**
 * "In a class?" on the course index: the code the instructor shows and the learner's name. The join
 * URL (`/?class=CODE`) fills in the code and puts the cursor in the name.
 */
export default function ClassJoin() {
  const hydrated = useHydrated();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [joined, setJoined] = useState<JoinedClass | undefined>();
  const [editing, setEditing] = useState(true);
  const [fromUrl, setFromUrl] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const nameField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const saved = readJoinedClass(localStorage);
    const linked = classCodeFromSearch(window.location.search);
    if (saved) {
      setJoined(saved);
      setName(saved.name);
    }
    if (linked) {
      setCode(linked);
      setFromUrl(true);
    }
    // A join URL of another class than the one joined asks again; otherwise say where they are.
    setEditing(!saved || (linked !== '' && linked !== saved.code));
  }, []);

  // The field is disabled until hydration: focus it once it can take the name.
  useEffect(() => {
    if (hydrated && fromUrl && editing) nameField.current?.focus();
  }, [hydrated, fromUrl, editing]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    joinClass(code, name)
      .then(
        (answer) => {
          const now = { classId: answer.classId, code: tidyCode(code), name: answer.name };
          saveJoinedClass(localStorage, now);
          window.dispatchEvent(new Event(JOINED_EVENT));
          setJoined(now);
          setEditing(false);
        },
        (err: unknown) => setError(describeError(err)),
      )
      .finally(() => setBusy(false));
  };

  const disabled = !hydrated || busy;
  return (
    <section className="class-join" aria-labelledby="class-join-title">
      {joined && !editing ? (
        <p role="status">
          <span id="class-join-title">
            You are in class {joined.code}, as {joined.name}.
          </span>{' '}
          <button type="button" className="button" disabled={!hydrated} onClick={() => setEditing(true)}>
            Use another code
          </button>
        </p>
      ) : (
        <form onSubmit={submit}>
          <h2 id="class-join-title" className="class-join-title">
            In a class? Enter the code your instructor shows
          </h2>
          <label>
            Class code{' '}
            <input
              className="class-join-code"
              value={code}
              required
              maxLength={12}
              autoCapitalize="characters"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setCode(e.target.value.toUpperCase())}
              disabled={disabled}
            />
          </label>{' '}
          <label>
            Your name{' '}
            <input
              ref={nameField}
              value={name}
              required
              maxLength={60}
              autoComplete="name"
              onChange={(e) => setName(e.target.value)}
              disabled={disabled}
            />
          </label>{' '}
          <button type="submit" className="button button-primary" disabled={disabled}>
            Join
          </button>
          {error && (
            <p className="hub-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

import QRCode from 'qrcode';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describeError } from '../lib/api.ts';
import { broadcast, endClass, resultsCsvUrl, type ClassSummary, type RosterLearner } from '../lib/classes.ts';
import { useAction } from '../lib/use-action.ts';
import ClassExercises from './ClassExercises.tsx';
import ClassRoster, { type CourseLesson } from './ClassRoster.tsx';
import LearnerTerminalView, { type TerminalMode } from './LearnerTerminalView.tsx';

/** The longest broadcast the server takes (docs/api.md). */
const BROADCAST_MAX = 500;

/** The QR code of a URL as an image address (an SVG data URL: no inline HTML, nothing for the CSP to run). */
function useQrCode(url: string): string | undefined {
  const [src, setSrc] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then(
      (svg) => current && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      () => current && setSrc(undefined),
    );
    return () => {
      current = false;
    };
  }, [url]);
  return src;
}

/** The join code, URL and QR code, large enough to read from the back of the room. */
function JoinCard({ found, qr, large }: { found: ClassSummary; qr: string | undefined; large?: boolean }) {
  return (
    <div className={large ? 'join-card join-card-large' : 'join-card'}>
      <div>
        <p className="join-card-label">Join code</p>
        <p className="join-code" data-testid="join-code">
          {found.code}
        </p>
        <p className="join-card-label">
          or open <a href={found.joinUrl}>{found.joinUrl}</a>
        </p>
      </div>
      {qr && <img className="join-qr" src={qr} alt={`QR code of the join URL ${found.joinUrl}`} />}
    </div>
  );
}

/** Shows the join code and QR code over the whole screen, for the projector, until closed. */
function ProjectedCode({
  found,
  qr,
  onClose,
}: {
  found: ClassSummary;
  qr: string | undefined;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    // Full screen where the browser allows it; the overlay alone covers the page otherwise.
    dialog.current?.requestFullscreen?.().catch(() => undefined);
    return () => {
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    };
  }, []);
  return (
    <div
      ref={dialog}
      className="projected-code"
      role="dialog"
      aria-modal="true"
      aria-label={`Join ${found.name}`}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <p className="projected-class-name">{found.name}</p>
      <JoinCard found={found} qr={qr} large />
      <button ref={close} type="button" className="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

/** "Tell the room": a message that appears as a banner on every learner's page of the class. */
function BroadcastForm({ classId, hydrated }: { classId: string; hydrated: boolean }) {
  const [message, setMessage] = useState('');
  const { busy, outcome: said, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = message.trim();
    void run(() => broadcast(classId, text), `Sent to the class: "${text}"`).then(
      (sent) => sent && setMessage(''),
    );
  };
  return (
    <form className="broadcast-form" onSubmit={submit}>
      <label htmlFor={`broadcast-${classId}`}>Message to the class</label>
      <div className="broadcast-row">
        <input
          id={`broadcast-${classId}`}
          value={message}
          maxLength={BROADCAST_MAX}
          placeholder="Take a 10 minute break; we go on with lesson 7 at 11:00."
          onChange={(e) => setMessage(e.target.value)}
        />
        <button type="submit" className="button" disabled={!hydrated || busy || message.trim() === ''}>
          Send to everyone
        </button>
      </div>
      {said && (
        <p className={said.failed ? 'hub-error' : 'roster-said'} role={said.failed ? 'alert' : 'status'}>
          {said.text}
        </p>
      )}
    </form>
  );
}

/** One class: its join code for the room, the actions on it, and its roster. */
export default function ClassPanel({
  found,
  lessons,
  hydrated,
  onEnded,
  onSignedOut,
}: {
  found: ClassSummary;
  lessons: CourseLesson[];
  hydrated: boolean;
  onEnded: () => void;
  /** This sign-in ended (signed out in another tab, or expired). */
  onSignedOut: () => void;
}) {
  const qr = useQrCode(found.joinUrl);
  const [projecting, setProjecting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [terminal, setTerminal] = useState<{ learner: RosterLearner; mode: TerminalMode } | undefined>();
  const running = !found.over;

  return (
    <section className="class-panel" aria-labelledby={`class-${found.id}`}>
      <h2 id={`class-${found.id}`}>{found.name}</h2>
      <p>
        {running ? 'Running' : 'Ended'} · {found.learners} of {found.capacity} learners
        {found.endsAt && ` · ends ${new Date(found.endsAt).toLocaleString()}`}
      </p>
      {running && <JoinCard found={found} qr={qr} />}
      <p className="class-actions">
        {running && (
          <button
            type="button"
            className="button button-primary"
            disabled={!hydrated}
            onClick={() => setProjecting(true)}
          >
            Project
          </button>
        )}{' '}
        {running && (
          <button
            type="button"
            className="button"
            disabled={!hydrated}
            onClick={() => {
              if (
                !window.confirm(
                  `End ${found.name}? Its code stops working and its learners' machines are removed; their results are kept.`,
                )
              )
                return;
              endClass(found.id).then(onEnded, (e: unknown) => setError(describeError(e)));
            }}
          >
            End class
          </button>
        )}{' '}
        <a className="button" href={resultsCsvUrl(found.id)} download>
          Download results (CSV)
        </a>
      </p>
      {running && <BroadcastForm classId={found.id} hydrated={hydrated} />}
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      {projecting && <ProjectedCode found={found} qr={qr} onClose={() => setProjecting(false)} />}
      {terminal && (
        <LearnerTerminalView
          key={terminal.learner.id}
          classId={found.id}
          learner={terminal.learner.id}
          name={terminal.learner.name}
          mode={terminal.mode}
          onMode={(mode) => setTerminal({ ...terminal, mode })}
          onClose={() => setTerminal(undefined)}
        />
      )}
      <ClassRoster
        classId={found.id}
        lessons={lessons}
        onTerminal={(learner, mode) => setTerminal({ learner, mode })}
        onClosed={(why) => {
          setTerminal(undefined);
          if (why === 'ended') onEnded();
          else onSignedOut();
        }}
      />
      <ClassExercises classId={found.id} hydrated={hydrated} />
    </section>
  );
}

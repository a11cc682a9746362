import type { Proof } from '../lib/class-exercises.ts';
import { checkMark, stepTime } from '../lib/proof-view.ts';

/** ✓, ✗ or – to see, and the same in words for a screen reader. */
function Mark({ value }: { value: boolean | null }) {
  return (
    <td className={value === false ? 'proof-bad' : undefined}>
      <span aria-hidden="true">{checkMark(value)}</span>
      <span className="visually-hidden">{value === null ? 'did not run' : value ? 'yes' : 'no'}</span>
    </td>
  );
}

/** A proof's steps as they arrive, then the table of every check before and after its solve. */
export default function ProofPanel({ proof }: { proof: Proof }) {
  return (
    <section className="proof-panel" aria-labelledby="proof-title">
      <h5 id="proof-title">Proof</h5>
      <p>
        Version {proof.version}: {proof.state}
        {proof.startedAt && ` · started ${new Date(proof.startedAt).toLocaleTimeString()}`}
      </p>
      <ol className="proof-steps">
        {proof.steps.map((step, i) => (
          <li key={`${i}-${step.name}`} data-state={step.state}>
            <span className="proof-step-name">{step.name}</span> <span>{step.state}</span>{' '}
            <span className="proof-step-time">{stepTime(step)}</span>
            {step.message && <span className="proof-step-message">{step.message}</span>}
          </li>
        ))}
      </ol>
      {proof.checks.length > 0 && (
        <table className="class-table proof-checks">
          <caption>Checks on a fresh machine: each must fail before its solve and pass after it.</caption>
          <thead>
            <tr>
              <th scope="col">Exercise</th>
              <th scope="col">Check</th>
              <th scope="col">Failed before</th>
              <th scope="col">Passed after</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {proof.checks.map((check) => (
              <tr key={`${check.exercise}/${check.id}`}>
                <td>{check.exercise}</td>
                <th scope="row">{check.id}</th>
                <Mark value={check.failedBefore} />
                <Mark value={check.passedAfter} />
                <td className="proof-check-message">{check.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

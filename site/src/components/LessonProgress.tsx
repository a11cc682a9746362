import { useEffect, useState } from 'react';
import { progressMark, subscribeProgress } from '../lib/progress.ts';

export interface LessonProgressProps {
  lesson: string;
  /** The lesson's progress items: its exercise and quiz ids. */
  items: readonly string[];
}

/** A lesson's progress mark (as ProgressMark and CourseProgress show it), for a page built in the browser. */
export default function LessonProgress({ lesson, items }: LessonProgressProps) {
  const [passed, setPassed] = useState<ReadonlySet<string> | undefined>();
  // A copy: the shared set changes in place, so React would not see a new pass.
  useEffect(() => subscribeProgress((progress) => setPassed(new Set(progress[lesson]))), [lesson]);
  const { state, visible, spoken } = progressMark(passed, items);
  if (state === 'none') return null;
  return (
    <span className="progress-mark" data-state={state} title={spoken}>
      <span aria-hidden="true">{visible}</span>
      <span className="visually-hidden">{spoken}</span>
    </span>
  );
}

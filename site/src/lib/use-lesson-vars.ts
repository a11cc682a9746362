import { useEffect, useState } from 'react';
import { hasPlaceholder, subscribeLessonVars, substitute } from './lesson-vars.ts';

/** The text with its placeholders filled as soon as their values are known (for Run and Copy). */
export function useSubstituted(text: string, lesson: string | undefined): string {
  const [value, setValue] = useState(() => substitute(text));
  useEffect(() => {
    if (!lesson || !hasPlaceholder(text)) return;
    return subscribeLessonVars(lesson, (vars) => setValue(substitute(text, vars)));
  }, [text, lesson]);
  return value;
}

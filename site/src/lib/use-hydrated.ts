import { useEffect, useState } from 'react';

/**
 * False in the server-rendered HTML and until the island hydrates, true after. Forms render their
 * fields and buttons disabled until then, so nothing typed or clicked before the page's script runs
 * is silently lost (a click would otherwise submit the plain HTML form and reload the page).
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

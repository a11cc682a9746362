import type { HubCredentials, HubRepository, OwnRepositories } from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

export type { HubCredentials, HubRepository, HubTag, OwnRepositories } from '../../../engine/src/contract.ts';

let credentials: Promise<HubCredentials> | undefined;

/** The learner's hub credentials (one request per page). */
export function getHubCredentials(lesson?: string): Promise<HubCredentials> {
  credentials ??= getSession(lesson)
    .then((s) =>
      apiRequest<HubCredentials>(`/api/sessions/${encodeURIComponent(s.id)}/hub`, { token: s.token }),
    )
    .catch((error: unknown) => {
      credentials = undefined;
      throw error;
    });
  return credentials;
}

/** Repositories the learner pushed. */
export async function getOwnRepositories(): Promise<OwnRepositories> {
  const s = await getSession();
  return apiRequest(`/api/sessions/${encodeURIComponent(s.id)}/hub/repositories`, { token: s.token });
}

/** Deletes one of the learner's repositories with all its tags. */
export async function deleteOwnRepository(name: string): Promise<void> {
  const s = await getSession();
  await apiRequest(`/api/sessions/${encodeURIComponent(s.id)}/hub/repositories/${name}`, {
    method: 'DELETE',
    token: s.token,
  });
}

/** The official-style images of the lab's library. */
export function getLibrary(): Promise<{ repositories: HubRepository[] }> {
  return apiRequest('/api/hub/library');
}

/** "3 minutes ago", for push times. */
export function formatAge(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return new Date(iso).toLocaleDateString();
}

import { apiRequest } from './api.ts';

export interface ClassLesson {
  slug: string;
  title: string;
  items: number;
}

export interface ClassLearner {
  id: string;
  name: string | null;
  /** Items passed per lesson slug. */
  lessons: Record<string, number>;
  machines: { lesson: string | null; state: string; lastSeenAt: string }[];
}

export interface ClassView {
  lessons: ClassLesson[];
  learners: ClassLearner[];
}

/** The class as the instructor sees it (needs the instructor token). */
export function getClass(token: string): Promise<ClassView> {
  return apiRequest('/api/instructor/class', { token });
}

/** The name this browser's learner shows to the instructor, if set. */
export async function getLearnerName(): Promise<string | null> {
  return (await apiRequest<{ name: string | null }>('/api/learner')).name;
}

export async function setLearnerName(name: string): Promise<string> {
  return (await apiRequest<{ name: string }>('/api/learner', { method: 'PUT', body: { name } })).name;
}

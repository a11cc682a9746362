// The contract between the page and the server: the shapes of what the JSON API and the terminal
// WebSocket carry, and the placeholders lessons may use. The engine, the sandbox-server and the site
// all import these from here, so a change of shape is one edit that the type checker follows
// everywhere. Types only, plus the placeholder list: nothing here touches Node or the DOM.

/** The verdict on one check. `hint` comes with failures only. */
export interface CheckReport {
  id: string;
  passed: boolean;
  message: string;
  hint?: string;
}

/** The verdict on one exercise (`POST …/exercises/{lesson}/{exercise}/check`): it passes when every check passes. */
export interface ExerciseReport {
  passed: boolean;
  checks: CheckReport[];
}

/** What the page may know about a quiz: never its answers. */
export interface PublicQuiz {
  id: string;
  question: string;
  options: string[];
  /** True when more than one option is correct, so the page offers checkboxes instead of radio buttons. */
  multiple: boolean;
}

/** The verdict on one answer to a quiz (`POST …/quizzes/{lesson}/{quiz}`). */
export interface QuizGrade {
  correct: boolean;
  explanation: string;
}

/** The body of every API answer that is not a success, with its HTTP status. */
export interface ApiErrorBody {
  error: {
    /** Machine-readable, e.g. `not_found`. */
    code: string;
    /** One sentence for the learner: what happened and what to do. */
    message: string;
    /** The request field at fault, for a 400. */
    field?: string;
  };
}

/** One tag of a hub repository. */
export interface HubTag {
  tag: string;
  sizeBytes: number;
  /** ISO 8601. */
  pushedAt: string;
}

/** A repository of the lab hub; library entries (`GET /api/hub/library`) also carry a description. */
export interface HubRepository {
  name: string;
  tags: HubTag[];
  description?: string;
}

/** The learner's login on the lab hub (`GET /api/sessions/{id}/hub`); it answers as Docker Hub. */
export interface HubCredentials {
  registry: string;
  username: string;
  password: string;
}

/** What the learner pushed, and how much of their hub space it takes (`quotaBytes` null: no quota). */
export interface OwnRepositories {
  username: string;
  repositories: HubRepository[];
  usedBytes: number;
  quotaBytes: number | null;
}

/** A control message from the page to the server: a JSON text frame of the terminal WebSocket. */
export type ClientControl =
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'ack'; bytes: number }
  /** Someone is at the page (it is visible): keeps the session from going idle, as a keystroke does. */
  | { type: 'active' };

/** A control message from the server to the page: a JSON text frame of the terminal WebSocket. */
export type ServerControl =
  | { type: 'ready' }
  | { type: 'exit'; code: number }
  | { type: 'error'; message: string }
  /** To the learner's terminal: an instructor is typing in it (true), or stopped 3 s ago or left (false). */
  | { type: 'helper'; typing: boolean };

/** The placeholders a lesson may write as `{{name}}`; the server knows each one's value per session. */
export const placeholderNames = ['hub.username'] as const;

/** One of `placeholderNames`. */
export type PlaceholderName = (typeof placeholderNames)[number];

/** What the page shows for a placeholder until it knows the value. */
export const placeholderFallbacks: Record<PlaceholderName, string> = { 'hub.username': '<your-username>' };

/** Values of the placeholders for one session, as the server substitutes them in checks and scripts. */
export type PlaceholderValues = Record<PlaceholderName, string>;

/**
 * Matches `{{name}}` (spaces allowed inside the braces) for every name of `placeholderNames`; group 1
 * is the name. Global: use it with `replace`/`matchAll`, or copy its `source` for `test`.
 */
export const placeholderPattern = new RegExp(
  `\\{\\{\\s*(${placeholderNames.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\s*\\}\\}`,
  'g',
);

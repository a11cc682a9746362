import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens the server's one SQLite file, creating its folder. Every store (sessions, hub accounts,
 * progress) shares this handle, so their writes never wait on one another.
 */
export function openDatabase(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Another process (the course CLI, an operator's sqlite3) may hold the file for a moment.
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Whether a table has a column; lets a store add columns to files written by older versions. */
export function hasColumn(db: Db, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some(
    (c) => c.name === column,
  );
}

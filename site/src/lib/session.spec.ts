import { describe, expect, it } from 'vitest';
import { machineNames, machineNamesFor, parseMachineCount } from './lesson-machines.ts';
import { fitsLesson, readStoredSession, sessionKey, storeSession } from './session.ts';

const memoryStorage = () => {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
};

const session = (machines: string[]) => ({
  id: 's',
  token: 't',
  expiresAt: '2099-01-01T00:00:00Z',
  machines,
});

describe('which session a lesson gets', () => {
  it('shares the one session among lessons of one machine, and gives a lesson of several its own', () => {
    expect(sessionKey('first-container', 1)).toBe('dockyard.session');
    expect(sessionKey(undefined, 1)).toBe('dockyard.session');
    expect(sessionKey('swarm', 2)).toBe('dockyard.session.swarm');
    expect(sessionKey('overlay', 3)).not.toBe(sessionKey('swarm', 3));
  });

  it('never reuses a session whose machines are not what the lesson wants', () => {
    expect(fitsLesson(session(['node1']), 1)).toBe(true);
    expect(fitsLesson(session(['node1', 'node2']), 2)).toBe(true);
    expect(fitsLesson(session(['node1']), 2)).toBe(false);
    expect(fitsLesson(session(['node1', 'node2']), 1)).toBe(false);
  });

  it('keeps the machines with the stored session; one stored before they were named has node1', () => {
    const storage = memoryStorage();
    storeSession('dockyard.session.swarm', session(['node1', 'node2']), storage);
    expect(readStoredSession('dockyard.session.swarm', storage)?.machines).toEqual(['node1', 'node2']);
    expect(readStoredSession('dockyard.session', storage)).toBeUndefined();
    storage.setItem('dockyard.session', '{"id":"s","token":"t","expiresAt":"2099-01-01T00:00:00Z"}');
    expect(readStoredSession('dockyard.session', storage)?.machines).toEqual(['node1']);
    storage.setItem('dockyard.session', '{"id":"s"}');
    expect(readStoredSession('dockyard.session', storage)).toBeUndefined();
  });
});

describe('machine counts and names', () => {
  it('reads the count the lesson page declares, 1 for anything but a whole number 1–5', () => {
    expect(parseMachineCount('2')).toBe(2);
    for (const junk of [undefined, '', '0', '6', '1.5', 'two']) expect(parseMachineCount(junk)).toBe(1);
  });

  it('names machines node1…nodeN, and takes an older server’s silence for node1', () => {
    expect(machineNamesFor(3)).toEqual(['node1', 'node2', 'node3']);
    expect(machineNames(['node1', 'node2'])).toEqual(['node1', 'node2']);
    for (const silent of [undefined, [], [1], 'node1']) expect(machineNames(silent)).toEqual(['node1']);
  });
});

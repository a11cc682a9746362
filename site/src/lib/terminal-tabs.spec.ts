import { describe, expect, it } from 'vitest';
import {
  activateTab,
  addTab,
  closeTab,
  firstTabs,
  fromServer,
  readTabs,
  storeTabs,
  tabKey,
  tabLabel,
} from './terminal-tabs.ts';

const memoryStorage = () => {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
};

const one = ['node1'];
const two = ['node1', 'node2'];
const t = (tab: number, machine = 'node1') => ({ machine, tab });

describe('the tab list of one machine', () => {
  it('starts with Terminal 1 in front', () => {
    expect(firstTabs(one)).toEqual({ tabs: [t(1)], active: t(1) });
    expect(tabLabel(t(2), one)).toBe('Terminal 2');
  });

  it('adds a tab in order and brings it to front', () => {
    const list = addTab(addTab(firstTabs(one), t(3)), t(2));
    expect(list).toEqual({ tabs: [t(1), t(2), t(3)], active: t(2) });
    expect(addTab(list, t(3), false)).toEqual({ tabs: [t(1), t(2), t(3)], active: t(2) });
  });

  it('closes a tab, bringing the one before it to front, and never closes Terminal 1', () => {
    const list = { tabs: [t(1), t(2), t(3)], active: t(2) };
    expect(closeTab(list, t(2))).toEqual({ tabs: [t(1), t(3)], active: t(1) });
    expect(closeTab(list, t(3))).toEqual({ tabs: [t(1), t(2)], active: t(2) });
    expect(closeTab(list, t(1))).toBe(list);
    expect(closeTab(list, t(4))).toBe(list);
  });

  it('brings only an open tab to front', () => {
    const list = { tabs: [t(1), t(2)], active: t(1) };
    expect(activateTab(list, t(2)).active).toEqual(t(2));
    expect(activateTab(list, t(3))).toBe(list);
  });

  it('takes the server as the truth after a reload, keeping the front tab while it is open', () => {
    expect(fromServer({ tabs: [t(1), t(2), t(3)], active: t(3) }, one, { node1: [1, 3] })).toEqual({
      tabs: [t(1), t(3)],
      active: t(3),
    });
    expect(fromServer({ tabs: [t(1), t(2)], active: t(2) }, one, { node1: [1] })).toEqual({
      tabs: [t(1)],
      active: t(1),
    });
    expect(fromServer(undefined, one, { node1: [2, 4] })).toEqual({ tabs: [t(1), t(2), t(4)], active: t(1) });
  });
});

describe('the tab list of several machines', () => {
  it('starts with one tab per machine, named for it, the first machine in front', () => {
    const list = firstTabs(two);
    expect(list).toEqual({ tabs: [t(1), t(1, 'node2')], active: t(1) });
    expect(list.tabs.map((tab) => tabLabel(tab, two))).toEqual(['node1', 'node2']);
    expect(tabLabel(t(2, 'node2'), two)).toBe('node2 · 2');
  });

  it('keeps each machine’s extra shells after its first, apart from the other machine’s same numbers', () => {
    const list = addTab(addTab(firstTabs(two), t(2, 'node2')), t(2));
    expect(list.tabs.map(tabKey)).toEqual(['node1:1', 'node1:2', 'node2:1', 'node2:2']);
    expect(list.active).toEqual(t(2));
    expect(addTab(list, t(2, 'node3'))).toBe(list);
  });

  it('closes a machine’s extra shell only, its neighbour coming to front', () => {
    const list = { tabs: [t(1), t(1, 'node2'), t(2, 'node2')], active: t(2, 'node2') };
    expect(closeTab(list, t(2, 'node2'))).toEqual({ tabs: [t(1), t(1, 'node2')], active: t(1, 'node2') });
    expect(closeTab(list, t(1, 'node2'))).toBe(list);
    expect(closeTab(list, t(2))).toBe(list);
  });

  it('takes every machine’s tabs from the server after a reload', () => {
    const remembered = { tabs: [t(1), t(1, 'node2'), t(3, 'node2')], active: t(3, 'node2') };
    expect(fromServer(remembered, two, { node1: [1, 2], node2: [1, 3] })).toEqual({
      tabs: [t(1), t(2), t(1, 'node2'), t(3, 'node2')],
      active: t(3, 'node2'),
    });
    expect(fromServer(remembered, two, { node1: [1] })).toEqual({
      tabs: [t(1), t(1, 'node2')],
      active: t(1),
    });
  });
});

describe('remembered tabs', () => {
  it('are kept per session, each naming its machine', () => {
    const storage = memoryStorage();
    storeTabs('s1', { tabs: [t(1), t(1, 'node2'), t(2, 'node2')], active: t(2, 'node2') }, storage);
    expect(readTabs('s1', two, storage)).toEqual({
      tabs: [t(1), t(1, 'node2'), t(2, 'node2')],
      active: t(2, 'node2'),
    });
    expect(readTabs('s2', two, storage)).toBeUndefined();
    // A machine the session does not have is dropped, and its tab cannot be in front.
    expect(readTabs('s1', one, storage)).toEqual({ tabs: [t(1)], active: t(1) });
  });

  it('are read defensively', () => {
    const storage = memoryStorage();
    for (const junk of [
      'nope',
      '{"tabs":"1"}',
      '{"tabs":[{"machine":"node1","tab":0}]}',
      '{"tabs":[{"machine":"node1","tab":1.5}]}',
      '{"tabs":[1,2],"active":2}',
      'null',
    ]) {
      storage.setItem('dockyard.terminal-tabs.s', junk);
      expect(readTabs('s', one, storage)).toBeUndefined();
    }
    storage.setItem('dockyard.terminal-tabs.s', '{"tabs":[{"machine":"node1","tab":3}],"active":7}');
    expect(readTabs('s', one, storage)).toEqual({ tabs: [t(1), t(3)], active: t(1) });
  });
});

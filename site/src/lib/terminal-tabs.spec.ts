import { describe, expect, it } from 'vitest';
import {
  activateTab,
  addTab,
  closeTab,
  firstTabs,
  fromServer,
  readTabs,
  storeTabs,
  tabLabel,
} from './terminal-tabs.ts';

const memoryStorage = () => {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
};

describe('the tab list', () => {
  it('starts with Terminal 1 in front', () => {
    expect(firstTabs).toEqual({ tabs: [1], active: 1 });
    expect(tabLabel(2)).toBe('Terminal 2');
  });

  it('adds a tab in order and brings it to front', () => {
    const list = addTab(addTab(firstTabs, 3), 2);
    expect(list).toEqual({ tabs: [1, 2, 3], active: 2 });
    expect(addTab(list, 3, false)).toEqual({ tabs: [1, 2, 3], active: 2 });
  });

  it('closes a tab, bringing the one before it to front, and never closes Terminal 1', () => {
    const list = { tabs: [1, 2, 3], active: 2 };
    expect(closeTab(list, 2)).toEqual({ tabs: [1, 3], active: 1 });
    expect(closeTab(list, 3)).toEqual({ tabs: [1, 2], active: 2 });
    expect(closeTab(list, 1)).toBe(list);
    expect(closeTab(list, 4)).toBe(list);
  });

  it('brings only an open tab to front', () => {
    const list = { tabs: [1, 2], active: 1 };
    expect(activateTab(list, 2).active).toBe(2);
    expect(activateTab(list, 3)).toBe(list);
  });

  it('takes the server as the truth after a reload, keeping the front tab while it is open', () => {
    expect(fromServer({ tabs: [1, 2, 3], active: 3 }, [1, 3])).toEqual({ tabs: [1, 3], active: 3 });
    expect(fromServer({ tabs: [1, 2], active: 2 }, [1])).toEqual({ tabs: [1], active: 1 });
    expect(fromServer(undefined, [2, 4])).toEqual({ tabs: [1, 2, 4], active: 1 });
  });
});

describe('remembered tabs', () => {
  it('are kept per session', () => {
    const storage = memoryStorage();
    storeTabs('s1', { tabs: [1, 2], active: 2 }, storage);
    expect(readTabs('s1', storage)).toEqual({ tabs: [1, 2], active: 2 });
    expect(readTabs('s2', storage)).toBeUndefined();
  });

  it('are read defensively', () => {
    const storage = memoryStorage();
    for (const junk of ['nope', '{"tabs":"1"}', '{"tabs":[0]}', '{"tabs":[1.5]}', 'null']) {
      storage.setItem('dockyard.terminal-tabs.s', junk);
      expect(readTabs('s', storage)).toBeUndefined();
    }
    storage.setItem('dockyard.terminal-tabs.s', '{"tabs":[3],"active":7}');
    expect(readTabs('s', storage)).toEqual({ tabs: [1, 3], active: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import {
  isTerminalReady,
  registerTerminal,
  runInTerminal,
  setActiveTerminal,
  setTerminalReady,
} from './terminal-store.ts';

describe('the terminal store', () => {
  it('types Run commands into the tab in front, on whichever machine, holding them until its shell is attached', () => {
    const typed: string[] = [];
    const stop1 = registerTerminal((text) => typed.push(`1:${text}`), 'node1:1');
    const stop2 = registerTerminal((text) => typed.push(`2:${text}`), 'node2:1');
    setActiveTerminal('node1:1');
    setTerminalReady(true, 'node1:1');
    runInTerminal('ls');
    expect(typed).toEqual(['1:ls\r']);

    setActiveTerminal('node2:1');
    expect(isTerminalReady()).toBe(false);
    runInTerminal('docker ps');
    expect(typed).toEqual(['1:ls\r']);
    setTerminalReady(true, 'node2:1');
    expect(typed).toEqual(['1:ls\r', '2:docker ps\r']);
    expect(isTerminalReady()).toBe(true);

    setActiveTerminal('node1:1');
    runInTerminal('echo a\necho b');
    expect(typed.at(-1)).toBe('1:echo a\recho b\r');
    stop1();
    stop2();
    expect(isTerminalReady()).toBe(false);
  });
});

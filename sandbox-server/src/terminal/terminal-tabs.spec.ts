import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/api-error.ts';
import { detachClientScript, tmuxAttach } from '../runtime/sandbox-runtime.ts';
import {
  closeTabScript,
  newTabScript,
  nextFreeTab,
  parseTab,
  parseTabList,
  tmuxSessionName,
  tooManyTabs,
} from './terminal-tabs.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a refusal');
};

describe('parseTab', () => {
  it('reads a missing tab as tab 1, and whole numbers from 1 to the limit', () => {
    expect(parseTab(null, 4)).toBe(1);
    expect(parseTab(undefined, 4)).toBe(1);
    expect(parseTab('1', 4)).toBe(1);
    expect(parseTab('4', 4)).toBe(4);
    expect(parseTab('12', 20)).toBe(12);
  });

  it.each(['0', '5', '', '-1', '+2', '02', '2.0', '1e0', ' 2', 'two', '100', '9'.repeat(400)])(
    'refuses %j with a 400 naming the field',
    (raw) => {
      const err = refusal(() => parseTab(raw, 4));
      expect(err).toBeInstanceOf(ApiError);
      expect(err.status).toBe(400);
      expect(err.field).toBe('tab');
      expect(err.message.length).toBeLessThan(80);
    },
  );
});

describe('the limit', () => {
  it('gives the lowest free tab, and none once all are open', () => {
    expect(nextFreeTab([1], 4)).toBe(2);
    expect(nextFreeTab([1, 2, 4], 4)).toBe(3);
    expect(nextFreeTab([1, 2, 3, 4], 4)).toBeUndefined();
    expect(nextFreeTab([1], 1)).toBeUndefined();
  });

  it('says the limit in a sentence the page shows, as a 429', () => {
    const err = tooManyTabs(4);
    expect(err.status).toBe(429);
    expect(err.code).toBe('too_many_terminals');
    expect(err.message).toBe('This machine has 4 terminals open, the most it allows: close one first.');
  });
});

describe('tmux sessions of tabs', () => {
  it('keeps tab 1 in main, where instructors watch, and names the others', () => {
    expect(tmuxSessionName(1)).toBe('main');
    expect(tmuxSessionName(2)).toBe('tab2');
    expect(tmuxSessionName(10)).toBe('tab10');
  });

  it('lists the tabs tmux has, tab 1 always, ignoring sessions Dockyard did not make', () => {
    expect(parseTabList('', 4)).toEqual([1]);
    expect(parseTabList('tab3\nmain\nmine\ntab9\ntab02\n', 4)).toEqual([1, 3]);
    expect(parseTabList('tab2\n', 4)).toEqual([1, 2]);
  });

  it('makes and ends exactly the session of a tab', () => {
    expect(newTabScript(2)).toContain('tmux -u new-session -d -s tab2');
    expect(closeTabScript(3)).toBe('tmux kill-session -t =tab3 2>/dev/null; true');
    expect(() => closeTabScript(1)).toThrow();
  });
});

describe('tmuxAttach', () => {
  it('attaches a learner to the tab without detaching anyone, and names the client', () => {
    expect(tmuxAttach({ tab: 2, client: 'abc123' })).toEqual([
      'sh',
      '-c',
      'echo "$$ $(tty)" > /tmp/dockyard-client-abc123; exec tmux -u new-session -A -s tab2',
    ]);
    expect(tmuxAttach()).toEqual(['tmux', '-u', 'new-session', '-A', '-s', 'main']);
    expect(tmuxAttach({ client: 'x' }).join(' ')).not.toContain('detach');
  });

  it('keeps an instructor on tab 1 (main), never resizing it', () => {
    expect(tmuxAttach({ guest: true, readOnly: true })).toEqual([
      'tmux',
      '-u',
      'new-session',
      '-A',
      '-s',
      'main',
      '-f',
      'read-only,ignore-size',
    ]);
    expect(tmuxAttach({ guest: true })).toContain('ignore-size');
  });

  it('refuses a client name that is not letters and digits', () => {
    expect(() => tmuxAttach({ client: 'a; rm -rf ~' })).toThrow();
  });

  it('detaches only the client that is still the named one', () => {
    const script = detachClientScript('abc123');
    expect(script).toContain('read -r pid tty < /tmp/dockyard-client-abc123');
    expect(script).toContain(`grep -qxF "$pid $tty" && tmux detach-client -t "$tty"`);
    expect(script).toContain('rm -f /tmp/dockyard-client-abc123');
  });
});

import type { ITheme } from '@xterm/xterm';

// xterm theme keys and the CSS custom properties (see styles/global.css) that set them.
const themeVariables: Partial<Record<keyof ITheme, string>> = {
  background: '--terminal-background',
  foreground: '--terminal-foreground',
  cursor: '--terminal-cursor',
  cursorAccent: '--terminal-cursor-accent',
  selectionBackground: '--terminal-selection',
  black: '--terminal-black',
  red: '--terminal-red',
  green: '--terminal-green',
  yellow: '--terminal-yellow',
  blue: '--terminal-blue',
  magenta: '--terminal-magenta',
  cyan: '--terminal-cyan',
  white: '--terminal-white',
  brightBlack: '--terminal-bright-black',
  brightRed: '--terminal-bright-red',
  brightGreen: '--terminal-bright-green',
  brightYellow: '--terminal-bright-yellow',
  brightBlue: '--terminal-bright-blue',
  brightMagenta: '--terminal-bright-magenta',
  brightCyan: '--terminal-bright-cyan',
  brightWhite: '--terminal-bright-white',
};

/** Reads the terminal colours from CSS variables in scope at `element`. */
export function readTerminalTheme(element: HTMLElement): ITheme {
  const style = getComputedStyle(element);
  const theme: Record<string, string> = {};
  for (const [key, variable] of Object.entries(themeVariables)) {
    const value = variable ? style.getPropertyValue(variable).trim() : '';
    if (value) theme[key] = value;
  }
  return theme as ITheme;
}

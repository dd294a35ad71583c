// The interactive terminal: questions (one of them with the typed text not
// echoed), and the chat prompt with its history, above which incoming lines
// are printed without disturbing what the person is typing.
//
// Each phase gets its own readline interface. The question interfaces keep no
// history, so a password can never come back with the up arrow; the chat
// interface gets the history of the previous chat back when it is reopened
// (after /logout and a new login, for instance).

import { stripVTControlCharacters } from 'node:util';
import { createInterface, clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline';
import { COMMANDS } from './commands.ts';
import { rowsFor, textWidth } from './text-width.ts';

const HISTORY_SIZE = 500;

export interface ChatPromptHandlers {
  line(line: string): void;
  /** Ctrl-D, or Ctrl-C on an empty line. */
  close(): void;
}

function completeCommand(line: string): [string[], string] {
  if (!line.startsWith('/') || line.includes(' ')) return [[], line];
  const names = COMMANDS.map((command) => `/${command.name}`);
  const hits = names.filter((name) => name.startsWith(line));
  return [hits.length > 0 ? hits : names, line];
}

export class Terminal {
  private chat: Interface | undefined;
  private history: string[] = [];
  private promptText = '';

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  /** Asks a question with the answer echoed; undefined on Ctrl-D or Ctrl-C. */
  ask(question: string): Promise<string | undefined> {
    const rl = createInterface({ input: this.input, output: this.output, terminal: true, historySize: 0 });
    return this.answer(rl, question, false);
  }

  /**
   * Asks for a secret. The interface has no output stream at all, so readline
   * has nowhere to echo the keys to; the prompt is written by hand.
   */
  askSecret(question: string): Promise<string | undefined> {
    this.output.write(question);
    const rl = createInterface({ input: this.input, terminal: true, historySize: 0 });
    return this.answer(rl, '', true);
  }

  private answer(rl: Interface, question: string, secret: boolean): Promise<string | undefined> {
    return new Promise((resolve) => {
      let answered = false;
      const finish = (value: string | undefined): void => {
        if (answered) return;
        answered = true;
        if (secret || value === undefined) this.output.write('\n');
        rl.close();
        resolve(value);
      };
      rl.on('SIGINT', () => finish(undefined));
      rl.on('close', () => finish(undefined));
      rl.question(question, (value) => finish(value));
    });
  }

  /** Opens the chat prompt. Lines arrive through `handlers` until closeChat(). */
  openChat(prompt: string, handlers: ChatPromptHandlers): void {
    this.promptText = prompt;
    const rl = createInterface({
      input: this.input,
      output: this.output,
      terminal: true,
      history: [...this.history],
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      prompt,
      completer: completeCommand,
    });
    rl.on('history', (history: string[]) => {
      this.history = history;
    });
    rl.on('line', (line) => {
      this.eraseEntered(line);
      handlers.line(line);
      if (this.chat === rl) rl.prompt();
    });
    rl.on('SIGINT', () => {
      if (rl.line !== '') {
        // Like a shell: Ctrl-C abandons the line being typed.
        rl.write(null, { ctrl: true, name: 'u' });
        rl.write(null, { ctrl: true, name: 'k' });
      } else {
        handlers.close();
      }
    });
    rl.on('close', () => {
      if (this.chat === rl) {
        this.chat = undefined;
        this.output.write('\n');
        handlers.close();
      }
    });
    this.chat = rl;
    rl.prompt();
  }

  /** Closes the chat prompt and takes the prompt line off the screen. */
  closeChat(): void {
    const rl = this.chat;
    if (rl === undefined) return;
    this.chat = undefined;
    this.clearPromptArea(rl);
    rl.close();
  }

  setPrompt(prompt: string): void {
    if (prompt === this.promptText) return;
    this.promptText = prompt;
    const rl = this.chat;
    if (rl === undefined) return;
    this.clearPromptArea(rl);
    rl.setPrompt(prompt);
    rl.prompt(true);
  }

  /** Prints a line above the prompt, then puts the prompt and the half-typed input back. */
  print(text: string): void {
    const rl = this.chat;
    if (rl === undefined || this.output.isTTY !== true) {
      this.output.write(`${text}\n`);
      return;
    }
    this.clearPromptArea(rl);
    this.output.write(`${text}\n`);
    rl.prompt(true);
  }

  private clearPromptArea(rl: Interface): void {
    if (this.output.isTTY !== true) return;
    moveCursor(this.output, 0, -rl.getCursorPos().rows);
    cursorTo(this.output, 0);
    clearScreenDown(this.output);
  }

  /** Readline leaves "prompt + line" on the screen after Enter; the formatted line replaces it. */
  private eraseEntered(line: string): void {
    if (this.output.isTTY !== true) return;
    const rows = rowsFor(textWidth(stripVTControlCharacters(this.promptText) + line), this.output.columns);
    moveCursor(this.output, 0, -rows);
    cursorTo(this.output, 0);
    clearScreenDown(this.output);
  }
}

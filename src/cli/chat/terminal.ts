// The interactive terminal: questions (one of them with the typed text not
// echoed), and the chat prompt with its history, above which incoming lines
// are printed without disturbing what the person is typing.
//
// Two readline interfaces take turns on stdin. The one for questions keeps no
// history, so a password can never come back with the up arrow, and stays
// open through a whole login so that keys typed ahead of a prompt (or a
// pasted answer) reach the next question; for a secret its output is muted.
// The chat interface gets the history of the previous chat back when it is
// reopened (after /logout and a new login).

import { createInterface, clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { COMMANDS } from './commands.ts';
import { rowsFor, textWidth } from './text-width.ts';

const HISTORY_SIZE = 500;

export interface ChatPromptHandlers {
  line(line: string): void;
  /** Ctrl-D, or Ctrl-C on an empty line. */
  close(): void;
}

/** The terminal as readline sees it, with a switch that swallows everything written (the echo of a secret). */
class MutableOutput extends Writable {
  muted = false;

  constructor(private readonly target: NodeJS.WriteStream) {
    super();
    target.on('resize', () => this.emit('resize'));
  }

  get isTTY(): boolean {
    return this.target.isTTY === true;
  }

  get columns(): number {
    return this.target.columns;
  }

  get rows(): number {
    return this.target.rows;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.muted) this.target.write(chunk);
    callback();
  }
}

function completeCommand(line: string): [string[], string] {
  if (!line.startsWith('/') || line.includes(' ')) return [[], line];
  const names = COMMANDS.map((command) => `/${command.name}`);
  const hits = names.filter((name) => name.startsWith(line));
  return [hits.length > 0 ? hits : names, line];
}

export class Terminal {
  private chat: Interface | undefined;
  private questions: Interface | undefined;
  private pending: { resolve: (answer: string | undefined) => void; secret: boolean } | undefined;
  private typedAhead: string[] = [];
  private readonly questionOutput: MutableOutput;
  private history: string[] = [];
  private promptText = '';

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    this.questionOutput = new MutableOutput(output);
  }

  /** Asks a question with the answer echoed; undefined on Ctrl-D or Ctrl-C. */
  ask(question: string): Promise<string | undefined> {
    return this.pose(question, false);
  }

  /** Asks for a secret: nothing typed is shown, and it is never kept in any history. */
  askSecret(question: string): Promise<string | undefined> {
    return this.pose(question, true);
  }

  /**
   * Lines typed ahead of their question are kept (readline's own question()
   * drops them) and answer the next questions in order. Between questions
   * the output is muted, so that a password typed ahead is not shown either.
   */
  private pose(question: string, secret: boolean): Promise<string | undefined> {
    this.closeChat();
    const rl = this.questionInterface();
    const early = this.typedAhead.shift();
    if (early !== undefined) {
      this.output.write(`${question}${secret ? '' : early}\n`);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => {
      this.pending = { resolve, secret };
      if (secret) {
        this.output.write(question);
      } else {
        this.questionOutput.muted = false;
        rl.setPrompt(question);
        rl.prompt(true); // shows anything already typed on this line
      }
    });
  }

  private questionInterface(): Interface {
    if (this.questions !== undefined) return this.questions;
    this.questionOutput.muted = true;
    const rl = createInterface({ input: this.input, output: this.questionOutput, terminal: true, historySize: 0 });
    rl.on('line', (line) => {
      const pending = this.pending;
      if (pending === undefined) {
        this.typedAhead.push(line);
        return;
      }
      this.pending = undefined;
      this.questionOutput.muted = true;
      if (pending.secret) this.output.write('\n');
      pending.resolve(line);
    });
    const abandon = (): void => {
      if (this.questions === rl) this.questions = undefined;
      this.typedAhead = [];
      rl.close();
      const pending = this.pending;
      if (pending !== undefined) {
        this.pending = undefined;
        this.output.write('\n');
        pending.resolve(undefined);
      }
    };
    rl.on('SIGINT', abandon);
    rl.on('close', abandon);
    this.questions = rl;
    return rl;
  }

  private closeQuestions(): void {
    const rl = this.questions;
    this.questions = undefined;
    this.typedAhead = [];
    rl?.close();
    this.holdRawMode();
  }

  /** Opens the chat prompt. Lines arrive through `handlers` until closeChat(). */
  openChat(prompt: string, handlers: ChatPromptHandlers): void {
    this.closeQuestions();
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
    this.holdRawMode();
  }

  /**
   * Closing an interface puts the tty back into cooked mode, where the kernel
   * echoes whatever is typed ahead (a password typed before its prompt
   * appears, for one). So raw mode stays on until release(), and keys typed
   * meanwhile wait, unechoed, for the next reader.
   */
  private holdRawMode(): void {
    if (this.input.isTTY === true) this.input.setRawMode(true);
  }

  /** Gives the terminal back as it was found. */
  release(): void {
    this.closeChat();
    this.closeQuestions();
    if (this.input.isTTY === true) this.input.setRawMode(false);
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

/**
 * A problem with what the user asked for: a bad flag, an environment
 * variable or config entry that does not parse. The command prints the
 * message with a pointer to --help and exits with status 2.
 */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

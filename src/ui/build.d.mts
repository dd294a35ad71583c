// Types of build.mjs, for the TypeScript tests that bundle the UI.
export function buildUiDocument(options?: { entry?: string; minify?: boolean }): Promise<string>;
export function writeUiDocument(outFile?: string): Promise<string>;

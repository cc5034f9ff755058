/** The console's built files as the build (lib/console-build.ts) hands them to the console function. */
export interface ConsoleAssets {
  /** The page; names its files by their hashed names. */
  readonly html: string;
  /** Hashed file name → its content type and text. */
  readonly files: Readonly<Record<string, { readonly contentType: string; readonly body: string }>>;
}

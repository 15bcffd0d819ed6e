/** The URL of the compiled `entry` (a path from the checkout's root, or from `root`), compiling first if a source changed. */
export function compiled(entry: string, root?: string): Promise<string>;

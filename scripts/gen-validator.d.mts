export function bundleValidator(): Promise<string>;

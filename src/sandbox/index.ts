// The sandbox's public face: the same as app.ts, importable as src/sandbox.
export * from './app';

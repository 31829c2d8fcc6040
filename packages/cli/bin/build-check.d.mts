// Types of build-check.mjs (plain JavaScript: it must run before anything is built).
export declare const BUILD_INFO: string;
export type BuildState = { readonly ok: true } | { readonly ok: false; readonly reason: string };
export declare function checkBuild(root: string): BuildState;
export declare const CONSOLE_SOURCE: string;
export declare const CONSOLE_BUILT: string;

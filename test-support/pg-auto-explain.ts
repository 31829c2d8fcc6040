// PostgreSQL's own account of what a statement read: every pg.Client that connects while this is on loads
// auto_explain for itself (LOAD, then SET: nothing in the server's configuration changes) and has each statement's
// EXPLAIN ANALYZE sent back to it as a NOTICE, in JSON, which is handed to the caller. Used by
// `npm run bench:pg-explain` and by the tests that hold the PostgreSQL store's plans to what they may read.
import pg from "pg";

/** A node of an EXPLAIN (FORMAT JSON) plan, as far as its readers here look. */
export interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly "Index Name"?: string;
  readonly "CTE Name"?: string;
  readonly "Actual Rows"?: number;
  readonly "Actual Loops"?: number;
  readonly "Rows Removed by Filter"?: number;
  readonly "Shared Hit Blocks"?: number;
  readonly "Shared Read Blocks"?: number;
  readonly "Shared Dirtied Blocks"?: number;
  readonly "Shared Written Blocks"?: number;
  readonly Plans?: readonly PlanNode[];
}

/** One statement as auto_explain reported it. */
export interface ExplainedStatement {
  readonly durationMs: number;
  /** The statement's text, its whitespace runs made one space. */
  readonly text: string;
  readonly plan: PlanNode;
}

const SETTINGS = [
  "set auto_explain.log_min_duration = 0",
  "set auto_explain.log_analyze = on",
  "set auto_explain.log_nested_statements = on",
  "set auto_explain.log_level = notice",
  "set auto_explain.log_format = json",
  "set client_min_messages = notice",
];

/**
 * From now on, each pg.Client (pg.Pool's too) explains its statements to `onStatement`, after `extraSettings`
 * (e.g. `set auto_explain.log_buffers = on`, `set plan_cache_mode = force_generic_plan`) ran on it. Returns the
 * function that puts pg.Client back; connections made meanwhile keep explaining.
 */
export function explainEveryConnection(
  onStatement: (statement: ExplainedStatement) => void,
  extraSettings: readonly string[] = [],
): () => void {
  const proto = pg.Client.prototype as unknown as { connect: (...args: unknown[]) => Promise<void> };
  const connect = proto.connect;
  // pg.Pool connects with a callback: it is called once the settings are in, so the pool's first query follows.
  proto.connect = async function (this: pg.Client, ...args: unknown[]) {
    const done = typeof args[0] === "function" ? (args[0] as (error?: unknown) => void) : undefined;
    try {
      await connect.call(this);
      await this.query("load 'auto_explain'");
      for (const s of [...SETTINGS, ...extraSettings]) await this.query(s);
      this.on("notice", (n) => {
        // auto_explain's NOTICE in JSON: `duration: X ms  plan:\n{"Query Text": …, "Plan": …}`.
        const m = /^duration: ([\d.]+) ms\s+plan:\n([\s\S]*)$/.exec(n.message ?? "");
        if (m === null) return;
        const e = JSON.parse(m[2] ?? "{}") as { "Query Text": string; Plan: PlanNode };
        onStatement({ durationMs: Number(m[1]), text: e["Query Text"].replace(/\s+/g, " ").trim(), plan: e.Plan });
      });
    } catch (error) {
      if (done === undefined) throw error;
      done(error);
      return;
    }
    done?.();
  };
  return () => {
    proto.connect = connect;
  };
}

// Rights on MO instances and what each DM command needs (docs/protocol.md §8.2 table, §10 checks, omadm's choices).
import type { AccessType, CommandName } from "@omadm/protocol";

export const Right = { Read: "Read", Write: "Write", Exec: "Exec", Delegate: "Delegate" } as const;
export type Right = (typeof Right)[keyof typeof Right];
export const ALL_RIGHTS: readonly Right[] = [Right.Read, Right.Write, Right.Exec, Right.Delegate];

export function isRight(value: unknown): value is Right {
  return typeof value === "string" && (ALL_RIGHTS as readonly string[]).includes(value);
}

/** The DM commands that act on tree nodes. */
export type TreeCommand = Extract<CommandName, "GET" | "HPUT" | "HPOST" | "SUB" | "HGET" | "DELETE" | "EXEC">;

/** §10: Read for GET/HPUT/HPOST/SUB; Write for HGET/DELETE; Exec for EXEC. */
export const RIGHT_FOR: { readonly [C in TreeCommand]: Right } = {
  GET: Right.Read,
  HPUT: Right.Read,
  HPOST: Right.Read,
  SUB: Right.Read,
  HGET: Right.Write,
  DELETE: Right.Write,
  EXEC: Right.Exec,
};

/** §8.2: the DDF AccessTypes of which a command needs one (HGET adds or replaces). */
export const ACCESS_TYPES_FOR: { readonly [C in TreeCommand]: readonly AccessType[] } = {
  GET: ["Get"],
  HPUT: ["Get"],
  HPOST: ["Get"],
  SUB: ["Get"],
  HGET: ["Add", "Replace"],
  DELETE: ["Delete"],
  EXEC: ["Exec"],
};

/** Commands that send node data to a server; "No Get" data is never sent (403, our §10 decision). */
export function isReadCommand(command: TreeCommand): boolean {
  return RIGHT_FOR[command] === Right.Read;
}

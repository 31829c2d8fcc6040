// A total parser never throws for bad input: it returns a Result. `ok` discriminates.
import type { ProtocolError } from "./errors.js";

export type Result<T, E = ProtocolError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

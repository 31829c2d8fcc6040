// Keyset pages (the API's `cursor` is where the previous page ended): the cursors walked so far, so "Previous"
// steps back without the API having to page backwards, and the pager's buttons.
import { useState } from "preact/hooks";

export interface KeysetPages {
  readonly cursor: string | undefined;
  readonly depth: number;
  readonly back: () => void;
  readonly forward: (next: string) => void;
  readonly reset: () => void;
}

export function useKeysetPages(): KeysetPages {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors.at(-1),
    depth: cursors.length,
    back: () => {
      setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c));
    },
    forward: (next) => {
      setCursors((c) => [...c, next]);
    },
    reset: () => {
      setCursors([undefined]);
    },
  };
}

export function Pager({ pages, nextCursor }: { pages: KeysetPages; nextCursor: string | null }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={pages.depth < 2} onClick={pages.back}>
        Previous page
      </button>
      <span>Page {pages.depth}</span>
      <button
        type="button"
        disabled={nextCursor === null}
        onClick={() => {
          if (nextCursor !== null) pages.forward(nextCursor);
        }}
      >
        Next page
      </button>
    </nav>
  );
}

// NOTIFICATION-IDs for Package#0, taken from the store's durable counter a block at a time.
//
// docs/protocol.md §2.4: the id only has to tell a repeated notification from a new one (the client drops a
// second one with the same SERVER-ID and NOTIFICATION-ID); the store's counter keeps ids from repeating across
// restarts and server nodes before the 16-bit wrap. Taking one id per wake cost a store write per wake (an
// UPDATE of the one counter row, a commit); a block of BLOCK ids costs one write per BLOCK wakes. The ids a
// process has not used when it stops are skipped, never handed out twice: the next block starts after them.

/** How many ids one store write takes. Small next to the 65,536 of the wrap, so skipped ids cost nothing. */
export const NOTIFICATION_ID_BLOCK = 64;

/** `take(count)`: the store's `notifications.nextId(count)`, resolving with the first id of the block. */
export function createNotificationIds(
  take: (count: number) => Promise<number>,
  block = NOTIFICATION_ID_BLOCK,
): () => Promise<number> {
  let next = 0;
  let left = 0;
  /** The block being taken: callers arriving meanwhile wait for it instead of taking another. */
  let taking: Promise<void> | null = null;
  return async () => {
    while (left === 0) {
      taking ??= take(block)
        .then((first) => {
          next = first;
          left = block;
        })
        .finally(() => {
          taking = null;
        });
      await taking;
    }
    const id = next;
    next = (next + 1) % 0x10000;
    left--;
    return id;
  };
}

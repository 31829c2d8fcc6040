// fast-check arbitraries for Package#0 tests (notification-*.test.ts): valid Notification values per profile.
import fc from "fast-check";
import type { ConType, OptionProfile } from "../src/notification/constants.js";
import type { Notification, UnknownOption } from "../src/notification/types.js";

const utf8 = new TextEncoder();

/** Max value length of each profile (docs/protocol.md §2.3). */
export const MAX_LENGTH: Readonly<Record<OptionProfile, number>> = { A: 270, B: 4095 };

/** A bearer list: some of CELLULAR/WLAN/WIRELINE in any order, optionally ANY_AVAILABLE last, never empty. */
export const conTypesArb: fc.Arbitrary<ConType[]> = fc
  .tuple(fc.shuffledSubarray<ConType>([1, 2, 3]), fc.boolean())
  .filter(([list, any]) => list.length > 0 || any)
  .map(([list, any]) => (any ? [...list, 0] : list));

/** Mostly short values, often long ones (Profile A's extension byte starts at 15). */
function valueArb(max: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: max, size: "max" }));
}

/** Unknown options 7.. with gaps of 1..14 (a first one at most 14, reachable even when no standard option is set). */
function unknownOptionsArb(maxCount: number, maxValue: number): fc.Arbitrary<UnknownOption[]> {
  return fc
    .array(fc.tuple(fc.integer({ min: 1, max: 14 }), valueArb(maxValue)), { maxLength: maxCount })
    .map((steps) => {
      let number = 6;
      return steps.map(([gap, value], i) => {
        number = i === 0 ? Math.max(7, Math.min(14, 6 + gap)) : number + gap;
        return { number, value };
      });
    });
}

/** Any valid notification for `profile`; absent options are absent keys (as decodeNotification returns them). */
export function notificationArb(profile: OptionProfile): fc.Arbitrary<Notification> {
  const max = MAX_LENGTH[profile];
  // 1- to 4-byte UTF-8 characters; sometimes long enough to need the extension byte or hit the limit.
  const unit = fc.oneof(
    fc.constantFrom("a", "é", "€", "😀", "\uFEFF"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  );
  const serverId = fc
    .oneof(fc.string({ unit, maxLength: 12 }), fc.string({ unit, maxLength: 120, size: "max" }))
    .filter((s) => utf8.encode(s).length <= max);
  return fc
    .record(
      {
        serverId,
        preferredConTypes: conTypesArb,
        notificationId: fc.integer({ min: 0, max: 0xffff }),
        digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        timestamp: fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.maxSafeNat()),
        reqMos: fc.boolean(),
        // 6 standard options + at most 25 unknown ones = the 5-bit OC maximum of 31.
        unknownOptions: unknownOptionsArb(25, profile === "A" ? max : 300),
      },
      { requiredKeys: ["reqMos", "unknownOptions"] },
    )
    .map((n) => ({ ...n })); // fc.record builds null-prototype objects; decode returns plain ones
}

export const credentialsArb = fc.record({
  secret: fc.uint8Array({ maxLength: 64 }),
  authData: fc.uint8Array({ maxLength: 64 }),
});

export const profileArb: fc.Arbitrary<OptionProfile> = fc.constantFrom("A", "B");

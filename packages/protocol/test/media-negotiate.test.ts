// The MIME handshake (docs/protocol.md §1.6): choosing a response type (406) and checking a request
// body's type (415), plus the OMADM-Accept value and the MO JSON aliases.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ErrorCode,
  MO_JSON_MEDIA_TYPES,
  MT_MO_JSON,
  MT_P2,
  MT_TNDS_XML,
  checkRequestContentType,
  chooseMediaType,
  isMoJsonType,
  negotiateResponse,
  omadmAcceptHeader,
  parseAccept,
  type MediaRange,
} from "@omadm/protocol";

function accept(header: string): MediaRange[] {
  const r = parseAccept(header);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

const MO = [MT_MO_JSON, MT_TNDS_XML];

test("chooseMediaType: highest q wins, q=0 excludes, absent header means anything", () => {
  assert.equal(chooseMediaType(undefined, MO), MT_MO_JSON);
  assert.equal(chooseMediaType(undefined, []), undefined);
  assert.equal(chooseMediaType(accept(`${MT_TNDS_XML}, ${MT_MO_JSON};q=0.5`), MO), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept(`${MT_TNDS_XML};q=0.2, ${MT_MO_JSON};q=0.5`), MO), MT_MO_JSON);
  assert.equal(chooseMediaType(accept(`${MT_MO_JSON};q=0`), MO), undefined);
  assert.equal(chooseMediaType(accept(`${MT_MO_JSON};q=0, */*`), MO), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept("text/html"), MO), undefined);
  assert.equal(chooseMediaType([], MO), undefined);
});

test("chooseMediaType: the most specific matching range sets an offer's q (RFC 9110 §12.5.1)", () => {
  // application/* would give 1, but the more specific range excludes dmmo+json.
  assert.equal(chooseMediaType(accept(`application/*, ${MT_MO_JSON};q=0`), MO), MT_TNDS_XML);
  // Order of ranges in the header does not matter for specificity.
  assert.equal(chooseMediaType(accept(`${MT_MO_JSON};q=0, application/*`), MO), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept("*/*;q=0.1, application/vnd.syncml.dmtnds+xml;q=0.05"), MO), MT_MO_JSON);
  // Parameters in a range must be present in the offer.
  const offers = ["text/plain;format=fixed", "text/plain;format=flowed"];
  assert.equal(chooseMediaType(accept("text/plain;format=flowed"), offers), "text/plain;format=flowed");
  assert.equal(chooseMediaType(accept("text/plain;format=flowed;q=0.2, text/plain;q=0.5"), offers), offers[0]);
  assert.equal(chooseMediaType(accept("Text/Plain;FORMAT=Flowed"), offers), offers[1]);
});

test("chooseMediaType: equal q → the more specific match, then the server's order", () => {
  assert.equal(chooseMediaType(accept(`*/*, ${MT_TNDS_XML}`), MO), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept("application/*"), MO), MT_MO_JSON);
  assert.equal(chooseMediaType(accept("application/*"), [...MO].reverse()), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept(`${MT_MO_JSON};q=0.5, ${MT_TNDS_XML};q=0.5`), MO), MT_MO_JSON);
  // Offers that are not media types are skipped, never thrown on.
  assert.equal(chooseMediaType(accept("*/*"), ["bogus", MT_MO_JSON]), MT_MO_JSON);
});

test("negotiateResponse: 406 when nothing acceptable, 400 for a malformed header, blank = absent", () => {
  assert.deepEqual(negotiateResponse(MT_P2, [MT_P2]), { ok: true, value: MT_P2 });
  assert.deepEqual(negotiateResponse(undefined, MO), { ok: true, value: MT_MO_JSON });
  assert.deepEqual(negotiateResponse("  ", MO), { ok: true, value: MT_MO_JSON });
  assert.deepEqual(negotiateResponse("application/json;q=0.9, application/vnd.syncml.dmtnds+xml", MO), {
    ok: true,
    value: MT_TNDS_XML,
  });
  const none = negotiateResponse("text/html, image/*", MO);
  assert.equal(none.ok, false);
  assert.equal(none.error.code, ErrorCode.MEDIA_NOT_ACCEPTABLE);
  assert.equal(none.error.status, 406);
  assert.match(none.error.message, /text\/html, image\/\*/);
  assert.match(none.error.message, /application\/dmmo\+json, application\/vnd\.syncml\.dmtnds\+xml/);
  const excluded = negotiateResponse(`${MT_MO_JSON};q=0`, [MT_MO_JSON]);
  assert.equal(!excluded.ok && excluded.error.status, 406);
  const nothingOffered = negotiateResponse(undefined, []);
  assert.equal(!nothingOffered.ok && nothingOffered.error.code, ErrorCode.MEDIA_NOT_ACCEPTABLE);
  const bad = negotiateResponse("application/", MO);
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
  assert.equal(bad.error.status, 400);
});

test("checkRequestContentType: 415 for missing, malformed or unsupported types; parameters and case ignored", () => {
  assert.deepEqual(checkRequestContentType(MT_MO_JSON, MO), { ok: true, value: MT_MO_JSON });
  assert.deepEqual(checkRequestContentType("Application/DMMO+json; charset=utf-8", MO), {
    ok: true,
    value: MT_MO_JSON,
  });
  assert.deepEqual(checkRequestContentType(`${MT_TNDS_XML};charset="UTF-8"`, MO), { ok: true, value: MT_TNDS_XML });
  // The matching entry of `supported` comes back, parameters and all.
  assert.deepEqual(checkRequestContentType("application/json", ["application/json; charset=utf-8"]), {
    ok: true,
    value: "application/json; charset=utf-8",
  });
  for (const [ct, why] of [
    [undefined, /missing Content-Type/],
    ["", /missing Content-Type/],
    ["text/plain", /unsupported media type "text\/plain"/],
    ["application/json", /unsupported media type "application\/json"/],
    ["application/*", /malformed Content-Type/],
    ["dmmo+json", /malformed Content-Type/],
  ] as const) {
    const r = checkRequestContentType(ct, MO);
    assert.equal(r.ok, false, String(ct));
    assert.equal(r.error.code, ErrorCode.MEDIA_UNSUPPORTED);
    assert.equal(r.error.status, 415);
    assert.match(r.error.message, why);
    assert.match(r.error.message, /supported: application\/dmmo\+json, application\/vnd\.syncml\.dmtnds\+xml$/);
  }
  const none = checkRequestContentType(MT_MO_JSON, []);
  assert.match(none.ok ? "" : none.error.message, /supported: none/);
});

test("omadmAcceptHeader: the supported list as an OMADM-Accept value, each type once, parsable back", () => {
  const header = omadmAcceptHeader([MT_MO_JSON, MT_TNDS_XML, "Application/DMMO+JSON", "not a type"]);
  assert.equal(header, `${MT_MO_JSON}, ${MT_TNDS_XML}`);
  assert.deepEqual(
    accept(header).map((r) => `${r.type}/${r.subtype}`),
    [MT_MO_JSON, MT_TNDS_XML],
  );
  assert.equal(omadmAcceptHeader([]), "");
  assert.equal(omadmAcceptHeader(["application/json; charset=utf-8"]), "application/json;charset=utf-8");
  // The client side of §1.6: does the server's OMADM-Accept allow a format the client can produce?
  assert.equal(chooseMediaType(accept(header), [MT_TNDS_XML]), MT_TNDS_XML);
  assert.equal(chooseMediaType(accept(header), ["application/cbor"]), undefined);
});

test("isMoJsonType honours MT_MO_JSON and its aliases, with parameters and in any case", () => {
  assert.deepEqual(MO_JSON_MEDIA_TYPES, [MT_MO_JSON, "application/json", "application/vnd.oma.dm.mo+json"]);
  for (const t of [
    MT_MO_JSON,
    "application/json",
    "application/vnd.oma.dm.mo+json",
    "Application/JSON; charset=utf-8",
  ]) {
    assert.equal(isMoJsonType(t), true, t);
  }
  for (const t of [MT_TNDS_XML, MT_P2, "application/*", "", "json", "text/json"])
    assert.equal(isMoJsonType(t), false, t);
});

test("property: the chosen offer has the highest effective q (its most specific range, first among equals)", () => {
  const typeArb = fc.constantFrom(MT_MO_JSON, MT_TNDS_XML, "application/json", "text/plain", "image/png");
  const rangeArb = fc.record({
    type: fc.constantFrom("*", "application", "text"),
    subtype: fc.constantFrom("*", "dmmo+json", "json", "plain", "vnd.syncml.dmtnds+xml"),
    q: fc.integer({ min: 0, max: 4 }).map((n) => n / 4),
  });
  const rank = (r: MediaRange): number => (r.type === "*" ? 0 : r.subtype === "*" ? 1 : 2);
  fc.assert(
    fc.property(fc.array(rangeArb, { maxLength: 4 }), fc.uniqueArray(typeArb, { maxLength: 4 }), (raw, offered) => {
      const list: MediaRange[] = raw
        .filter((r) => r.type !== "*" || r.subtype === "*")
        .map((r) => ({ type: r.type, subtype: r.subtype, params: [], q: r.q }));
      // Oracle: an offer's effective q is that of the first range among its most specific matches.
      const effective = (o: string): number => {
        const [t, s] = o.split("/");
        const hits = list.filter((r) => (r.type === "*" || r.type === t) && (r.subtype === "*" || r.subtype === s));
        const top = Math.max(...hits.map(rank));
        return hits.find((r) => rank(r) === top)?.q ?? 0;
      };
      const best = Math.max(0, ...offered.map(effective));
      const chosen = chooseMediaType(list, offered);
      if (best === 0) assert.equal(chosen, undefined);
      else {
        assert.ok(chosen !== undefined && (offered as readonly string[]).includes(chosen));
        assert.equal(effective(chosen), best);
      }
    }),
    { numRuns: 1000 },
  );
});

// ClientURI grammar (docs/protocol.md §6.1 ABNF, omadm's choice): every rule with good and bad inputs, the canonical
// form, and the format/parse round trip as a fast-check property.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ErrorCode,
  ProtocolError,
  canonicalClientUri,
  concreteClientUri,
  isValidMiid,
  isValidMoid,
  isValidNodeName,
  parseClientUri,
  type ClientUri,
} from "@omadm/protocol";
import { encodeNodeName, formatClientUri, isConcrete, parseConcreteClientUri } from "../src/uri/client-uri-format.js";

const M = "urn:oma:mo:acme-sensor:1.0";

function parsed(text: string): ClientUri {
  const r = parseClientUri(text);
  if (!r.ok) assert.fail(`expected ${text} to parse: ${r.error.message}`);
  return r.value;
}

/** Asserts a URI_SYNTAX error whose `path` names `component`. */
function rejects(text: string, component: string, message?: RegExp): void {
  const r = parseClientUri(text);
  assert.equal(r.ok, false, `expected ${JSON.stringify(text)} to be rejected`);
  assert.ok(r.error instanceof ProtocolError);
  assert.equal(r.error.code, ErrorCode.URI_SYNTAX);
  assert.equal(r.error.status, 400);
  assert.equal(r.error.path, component, `${text}: ${r.error.message}`);
  assert.match(r.error.message, new RegExp(`ClientURI ${component}`));
  if (message) assert.match(r.error.message, message);
}

test("MOID: urn:oma:mo: followed by ALPHA DIGIT - . _ :", () => {
  for (const good of [
    "urn:oma:mo:acme-sensor:1.0",
    "urn:oma:mo:oma-dm-devinfo:1.2",
    "urn:oma:mo:a_b.c:d-1",
    "urn:oma:mo:x",
  ]) {
    assert.equal(isValidMoid(good), true, good);
    assert.equal(parsed(`${good}//`).moid, good);
  }
  for (const bad of [
    "",
    "urn:oma:mo:",
    "oma:mo:oma-dm-devinfo:1.0",
    "URN:OMA:MO:x",
    "urn:oma:mo:a(b)",
    "urn:oma:mo:a*",
    "urn:oma:mo:a b",
    "urn:oma:mo:é",
  ]) {
    assert.equal(isValidMoid(bad), false, bad);
  }
  rejects("oma:mo:oma-dm-devinfo:1.0//", "MOID", /invalid MOID/); // the S1 typo (§7.1)
  rejects("urn:oma:mo:a*b//", "MOID");
  rejects("urn:oma:mo:acme", "MOID", /no "\/" after the MOID/);
  rejects("", "MOID");
});

test("mo-inst: MIID, x-name, * and the empty instance; the '/' after it is required", () => {
  assert.deepEqual(parsed(`${M}/left/`).inst, { kind: "miid", miid: "left" });
  assert.deepEqual(parsed(`${M}//`).inst, { kind: "only" });
  assert.deepEqual(parsed(`${M}/*/Setting`).inst, { kind: "all" });
  assert.deepEqual(parsed(`${M}/(x)/?nv=(x)/ID:GPS`).inst, { kind: "xname", letter: "x" });
  assert.deepEqual(parsed(`${M}/(Q)/?nv=(Q)/ID:GPS`).inst, { kind: "xname", letter: "Q" });
  rejects(`${M}/left`, "mo-inst", /no "\/" after the mo-inst/);
  rejects(`${M}/left?cv=1`, "mo-inst", /no "\/" after the mo-inst/);
  rejects(`${M}/(xy)/`, "mo-inst", /malformed x-name/);
  rejects(`${M}/(1)/`, "mo-inst", /malformed x-name/);
  rejects(`${M}/(x/`, "mo-inst", /malformed x-name/);
  rejects(`${M}/a b/`, "mo-inst", /invalid MIID/);
  rejects(`${M}/a%20b/`, "mo-inst", /invalid MIID/);
  rejects(`${M}/**/`, "mo-inst", /invalid MIID/);
  rejects(`${M}/${"a".repeat(65)}/`, "mo-inst", /invalid MIID/);
});

test("MIID charset and length (omadm's choice): 1 to 64 of ALPHA DIGIT - . _ ~", () => {
  for (const good of ["left", "miid1", "a", "A-b.c_d~e", "0", "x".repeat(64)])
    assert.equal(isValidMiid(good), true, good);
  for (const bad of ["", "x".repeat(65), "a/b", "a b", "(x)", "*", "a%41", "ä", "a:b", "a@b"]) {
    assert.equal(isValidMiid(bad), false, bad);
  }
});

test("path: real names, x-names, *, trailing slash; empty nodes are rejected", () => {
  const u = parsed(`${M}/left/Data/1/Value`);
  assert.deepEqual(u.path, [
    { kind: "name", name: "Data" },
    { kind: "name", name: "1" },
    { kind: "name", name: "Value" },
  ]);
  assert.equal(u.trailingSlash, false);
  assert.equal(parsed(`${M}/left/Data/`).trailingSlash, true);
  assert.equal(parsed(`${M}/left/`).trailingSlash, true);
  assert.deepEqual(parsed(`${M}/*/Data/*/Value`).path[1], { kind: "all" });
  assert.deepEqual(parsed(`${M}/right/Data/(x)/Value?nv=(x)/Date:12.1`).path[1], { kind: "xname", letter: "x" });
  // Every sub-delim the real-name rule allows raw.
  assert.deepEqual(parsed(`${M}/left/a!$'+,;=:@b~`).path, [{ kind: "name", name: "a!$'+,;=:@b~" }]);
  rejects(`${M}/left//`, "path", /empty node name/);
  rejects(`${M}/left/a//b`, "path", /empty node name/);
  rejects(`${M}/left/Data//`, "path", /empty node name/);
  rejects(`${M}/left/a b`, "path", /invalid character/);
  rejects(`${M}/left/a#frag`, "path", /fragment/);
  rejects(`${M}/left/a(b)`, "path", /invalid character/);
  rejects(`${M}/left/a*`, "path", /invalid character/);
  rejects(`${M}/left/ä`, "path", /invalid character/);
  rejects(`${M}/left/(ab)`, "path", /malformed x-name/);
  rejects(`${M}/left/a%2`, "path", /invalid character/);
  rejects(`${M}/left/a%zz`, "path", /invalid character/);
});

test("real names are percent-decoded and must not decode to '*' or an x-name", () => {
  assert.deepEqual(parsed(`${M}/left/a%2Fb/%28x%291/%C3%A9t%C3%A9`).path, [
    { kind: "name", name: "a/b" },
    { kind: "name", name: "(x)1" },
    { kind: "name", name: "été" },
  ]);
  assert.deepEqual(parsed(`${M}/left/%61%62`).path, [{ kind: "name", name: "ab" }]);
  rejects(`${M}/left/%2A`, "path", /must not decode to "\*" or an x-name/);
  rejects(`${M}/left/%28x%29`, "path", /must not decode/);
  rejects(`${M}/left/%C3`, "path", /not valid percent-encoded UTF-8/);
  rejects(`${M}/left/%FF`, "path", /not valid percent-encoded UTF-8/);
  assert.equal(isValidNodeName("*"), false);
  assert.equal(isValidNodeName("(q)"), false);
  assert.equal(isValidNodeName(""), false);
  assert.equal(isValidNodeName("(qq)"), true);
  assert.equal(isValidNodeName("a/b"), true);
});

test("nv-field: x-name, rel-path, split at the first ':' after the rel-path, decoded value", () => {
  const u = parsed(`${M}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`);
  assert.deepEqual(u.query.nv, [
    { letter: "x", relPath: ["ID"], value: "GPS" },
    { letter: "y", relPath: ["Date"], value: "12.2" },
  ]);
  // The first ":" splits; later ones belong to the value. A ":" in a rel-path name must be encoded.
  assert.deepEqual(parsed(`${M}/(x)/?nv=(x)/A/B:urn:x:y`).query.nv[0], {
    letter: "x",
    relPath: ["A", "B"],
    value: "urn:x:y",
  });
  assert.deepEqual(parsed(`${M}/(x)/?nv=(x)/a%3Ab:v`).query.nv[0], { letter: "x", relPath: ["a:b"], value: "v" });
  assert.deepEqual(parsed(`${M}/(x)/?nv=(x)/ID:a%20b%26c@d/e`).query.nv[0]?.value, "a b&c@d/e");
  assert.deepEqual(parsed(`${M}/(x)/?nv=(x)/ID:`).query.nv[0]?.value, "");
  // Several nv-fields for one letter are kept (ANDed at resolution).
  assert.equal(parsed(`${M}/(x)/?nv=(x)/ID:GPS&nv=(x)/Setting:0xB2`).query.nv.length, 2);
  rejects(`${M}/(x)/?nv=(x)/ID`, "nv-field", /no ":"/);
  rejects(`${M}/(x)/?nv=(x)/:GPS`, "nv-field", /empty rel-path/);
  rejects(`${M}/(x)/?nv=(x)ID:GPS`, "nv-field", /must start with/);
  rejects(`${M}/(x)/?nv=x/ID:GPS`, "nv-field", /must start with/);
  rejects(`${M}/(x)/?nv=(x)/A//B:v`, "nv-field", /empty node name/);
  rejects(`${M}/(x)/?nv=(x)/ID:a b`, "nv-field", /invalid character in value/);
  rejects(`${M}/(x)/?nv=(x)/ID:a+b`, "nv-field", /invalid character in value/);
  rejects(`${M}/(x)/?nv=(x)/ID:%E2%82`, "nv-field", /UTF-8/);
  rejects(`${M}/(x)/?nv=(x)/%2A:v`, "nv-field", /must not decode/);
});

test("x-names are used consistently: one nv-field at least, none for unused letters, each letter once", () => {
  rejects(`${M}/(x)/`, "nv-field", /"\(x\)" has no nv-field/);
  rejects(`${M}/left/(y)/Value`, "nv-field", /"\(y\)" has no nv-field/);
  rejects(`${M}/(x)/Data/(y)/Value?nv=(x)/ID:GPS`, "nv-field", /"\(y\)" has no nv-field/);
  rejects(`${M}/left/?nv=(x)/ID:GPS`, "nv-field", /does not use/);
  rejects(`${M}/(x)/?nv=(x)/ID:GPS&nv=(z)/ID:GPS`, "nv-field", /"\(z\)", which the URI does not use/);
  rejects(`${M}/(x)/Data/(x)/Value?nv=(x)/ID:GPS`, "path", /used more than once/);
  rejects(`${M}/left/(a)/(a)?nv=(a)/ID:1`, "path", /used more than once/);
  // Letters are case-sensitive: (x) and (X) are different x-names.
  assert.equal(parsed(`${M}/(x)/(X)?nv=(x)/ID:1&nv=(X)/ID:2`).path.length, 1);
});

test("query: cv-field, other fields kept, malformed fields rejected", () => {
  const u = parsed(`${M}/left/?cv=a1b2%7E&ui=s%3A1/2&x9=`);
  assert.equal(u.query.cv, "a1b2~");
  assert.deepEqual(u.query.other, [
    ["ui", "s:1/2"],
    ["x9", ""],
  ]);
  assert.equal(parsed(`${M}/left/`).query.cv, undefined);
  assert.deepEqual(parsed(`${M}/left/`).query, { nv: [], other: [] });
  rejects(`${M}/left/?`, "query", /empty field/);
  rejects(`${M}/left/?a=1&&b=2`, "query", /empty field/);
  rejects(`${M}/left/?a=1&`, "query", /empty field/);
  rejects(`${M}/left/?novalue`, "query", /expected key=value/);
  rejects(`${M}/left/?a-b=1`, "query", /expected key=value/);
  rejects(`${M}/left/?=1`, "query", /expected key=value/);
  rejects(`${M}/left/?a=b c`, "query", /invalid character/);
  rejects(`${M}/left/?a=b?c`, "query", /invalid character/);
  rejects(`${M}/left/?a=b#c`, "query", /invalid character/);
  rejects(`${M}/left/?nv`, "query", /expected key=value/);
  rejects(`${M}/left/?cv=`, "cv-field", /invalid cache validator/);
  rejects(`${M}/left/?cv=a:b`, "cv-field", /invalid cache validator/);
  rejects(`${M}/left/?cv=1&cv=2`, "cv-field", /more than one/);
});

test("every ClientURI example of docs/protocol.md §6.1 parses", () => {
  const examples = [
    `${M}/left/`,
    `${M}//`,
    `${M}/(x)/?nv=(x)/ID:Temperature`,
    `${M}/(x)/Data/1/Value?nv=(x)/ID:GPS`,
    `${M}/right/Data/(x)/Value?nv=(x)/Date:12.1`,
    `${M}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`,
    `${M}/*/Setting`,
    `${M}/(x)/Data/*/Value?nv=(x)/ID:GPS`,
    `${M}/(x)/Data/*/Value?nv=(x)/ID:GPS&nv=(x)/Setting:0xB2`,
    `${M}/*/Data/*/Value`,
    "urn:oma:mo:oma-dm-devinfo:1.0//",
    "urn:oma:mo:oma-sessioninfomo:1.0//CBT",
    "urn:oma:mo:oma-scomo:1.0/SCOMO1/Download/Package1/Operations/DownloadInstall",
    "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL",
    "urn:oma:mo:oma-mo:1.0/miid1/",
  ];
  for (const text of examples) {
    const u = parsed(text);
    // All examples are already in canonical form.
    assert.equal(formatClientUri(u), text);
  }
});

test("canonical formatting: upper-case %XX, only what must be encoded, query fields in a fixed order", () => {
  assert.deepEqual(canonicalClientUri(`${M}/left/%61%2f%7e`), { ok: true, value: `${M}/left/a%2F~` });
  const c = canonicalClientUri(`${M}/(x)/?ui=1&cv=Z&nv=(x)/ID:G%50S`);
  assert.deepEqual(c, { ok: true, value: `${M}/(x)/?nv=(x)/ID:GPS&cv=Z&ui=1` });
  assert.equal(encodeNodeName("a/b(c)*&?#% é"), "a%2Fb%28c%29%2A%26%3F%23%25%20%C3%A9");
  assert.equal(encodeNodeName("a:b@c"), "a:b@c");
  assert.equal(encodeNodeName("\uD800x"), "%EF%BF%BDx"); // a lone surrogate cannot be UTF-8: U+FFFD, no throw
  const withColon: ClientUri = {
    moid: M,
    inst: { kind: "xname", letter: "x" },
    path: [],
    trailingSlash: true,
    query: { nv: [{ letter: "x", relPath: ["a:b", "c/d"], value: "v&w x" }], other: [] },
  };
  assert.equal(formatClientUri(withColon), `${M}/(x)/?nv=(x)/a%3Ab/c%2Fd:v%26w%20x`);
  assert.deepEqual(parsed(formatClientUri(withColon)), withColon);
  assert.equal(canonicalClientUri("bad").ok, false);
});

test("isConcrete, concreteClientUri and parseConcreteClientUri", () => {
  assert.equal(isConcrete(parsed(`${M}/left/Data/1/Value`)), true);
  assert.equal(isConcrete(parsed(`${M}/left/`)), true);
  for (const text of [
    `${M}//`,
    `${M}/*/Setting`,
    `${M}/left/*`,
    `${M}/left/?cv=1`,
    `${M}/left/?a=1`,
    `${M}/(x)/?nv=(x)/ID:1`,
  ]) {
    assert.equal(isConcrete(parsed(text)), false, text);
    const r = parseConcreteClientUri(text);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, ErrorCode.URI_NOT_CONCRETE);
  }
  assert.equal(parseConcreteClientUri(`${M}/left/Data`).ok, true);
  const bad = parseConcreteClientUri("nope");
  assert.equal(!bad.ok && bad.error.code, ErrorCode.URI_SYNTAX);
  assert.equal(concreteClientUri(M, "left", []), `${M}/left/`);
  assert.equal(concreteClientUri(M, "left", [], { root: false }), `${M}/left/`);
  assert.equal(concreteClientUri(M, "left", ["Data", "1", "Value"]), `${M}/left/Data/1/Value`);
  assert.equal(concreteClientUri(M, "left", ["Data"], { root: true }), `${M}/left/Data/`);
  assert.equal(concreteClientUri(M, "left", ["a b", "c/d", "(x)y"]), `${M}/left/a%20b/c%2Fd/%28x%29y`);
  assert.deepEqual(parsed(concreteClientUri(M, "left", ["a b", "c/d"])).path, [
    { kind: "name", name: "a b" },
    { kind: "name", name: "c/d" },
  ]);
});

// ---- properties ----

const letterArb = fc.constantFrom(...Array.from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"));
const wellFormed = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
const nameArb = fc
  .oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: "binary", minLength: 1, maxLength: 6 }))
  .filter((s) => isValidNodeName(s) && wellFormed(s));
const valueArb = fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: "binary", maxLength: 6 })).filter(wellFormed);
const moidArb = fc.stringMatching(/^[A-Za-z0-9\-._:]{1,20}$/).map((s) => `urn:oma:mo:${s}`);
const miidArb = fc.stringMatching(/^[A-Za-z0-9\-._~]{1,64}$/);

/** Generates a valid ClientUri value (x-names consistent, every letter bound by 1–2 nv-fields). */
const clientUriArb: fc.Arbitrary<ClientUri> = fc
  .record({
    moid: moidArb,
    instKind: fc.constantFrom("miid", "xname", "only", "all"),
    miid: miidArb,
    segKinds: fc.array(fc.constantFrom("name", "name", "xname", "all"), { maxLength: 5 }),
    names: fc.array(nameArb, { minLength: 5, maxLength: 5 }),
    letters: fc.uniqueArray(letterArb, { minLength: 6, maxLength: 6 }),
    nvs: fc.array(
      fc.record({ rel: fc.array(nameArb, { minLength: 1, maxLength: 3 }), value: valueArb, twice: fc.boolean() }),
      {
        minLength: 6,
        maxLength: 6,
      },
    ),
    trailingSlash: fc.boolean(),
    cv: fc.option(fc.string({ minLength: 1, maxLength: 8 }).filter(wellFormed), { nil: undefined }),
    other: fc.array(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z0-9]{1,5}$/).filter((k) => k !== "nv" && k !== "cv"),
        valueArb,
      ),
      {
        maxLength: 2,
      },
    ),
  })
  .map((g) => {
    let next = 0;
    const used: string[] = [];
    const takeLetter = (): string => {
      const l = g.letters[next++] ?? "z";
      used.push(l);
      return l;
    };
    const inst: ClientUri["inst"] =
      g.instKind === "miid"
        ? { kind: "miid", miid: g.miid }
        : g.instKind === "xname"
          ? { kind: "xname", letter: takeLetter() }
          : g.instKind === "only"
            ? { kind: "only" }
            : { kind: "all" };
    const path = g.segKinds.map((k, i): ClientUri["path"][number] =>
      k === "name"
        ? { kind: "name", name: g.names[i] ?? "n" }
        : k === "xname"
          ? { kind: "xname", letter: takeLetter() }
          : { kind: "all" },
    );
    const nv = used.flatMap((letter, i) => {
      const spec = g.nvs[i] ?? { rel: ["ID"], value: "", twice: false };
      const f = { letter, relPath: spec.rel, value: spec.value };
      return spec.twice ? [f, { ...f, value: spec.value + "2" }] : [f];
    });
    const query = g.cv === undefined ? { nv, other: g.other } : { nv, cv: g.cv, other: g.other };
    return { moid: g.moid, inst, path, trailingSlash: path.length === 0 ? true : g.trailingSlash, query };
  });

test("property: parse(format(x)) = x for generated ClientURIs, and the text is stable", () => {
  fc.assert(
    fc.property(clientUriArb, (uri) => {
      const text = formatClientUri(uri);
      const back = parseClientUri(text);
      if (!back.ok) throw new Error(`${text}: ${back.error.message}`);
      assert.deepEqual(back.value, uri);
      assert.equal(formatClientUri(back.value), text);
    }),
    { numRuns: 500 },
  );
});

test("property: parseClientUri never throws and returns a URI_SYNTAX error or a re-parsable value", () => {
  const alphabet = fc.constantFrom(..."urn:oma:mo:/()*?&=%:@x1AF.-_~!$'+,;# é".split(""), "nv=", "cv=", "(x)", "%2");
  const noisy = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")),
  );
  fc.assert(
    fc.property(noisy, (text) => {
      const r = parseClientUri(text);
      if (!r.ok) {
        assert.equal(r.error.code, ErrorCode.URI_SYNTAX);
        return;
      }
      const again = parseClientUri(formatClientUri(r.value));
      assert.ok(again.ok);
      assert.deepEqual(again.value, r.value);
    }),
    { numRuns: 1000 },
  );
});

// The per-session cookie jar (docs/protocol.md §1.4): the RFC 6265 subset a DM session needs — name=value, Domain,
// Path, Expires/Max-Age, Secure — against an injected clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCookieJar } from "../src/session/cookie-jar.js";
import { fakeClock } from "./http-fixtures.js";

test("a cookie comes back to the same host; a later Set-Cookie with the same name/domain/path replaces it", () => {
  const jar = createCookieJar(fakeClock());
  jar.store("https://dm.example/dm", ["sid=1; Path=/"]);
  assert.equal(jar.header("https://dm.example/dm/s/2"), "sid=1");
  jar.store("https://dm.example/dm", ["sid=2; Path=/"]);
  assert.equal(jar.header("https://dm.example/other"), "sid=2");
  assert.equal(jar.size, 1);
  assert.equal(jar.header("https://elsewhere.example/dm"), undefined, "host-only: never to another host");
});

test("default path is the request's directory; path-match is by segment; longer paths come first", () => {
  const jar = createCookieJar(fakeClock());
  jar.store("https://dm.example/dm/p1", ["a=1"]); // default path /dm
  jar.store("https://dm.example/", ["b=2; Path=/"]);
  jar.store("https://dm.example/", ["c=3; Path=/dm/s"]);
  assert.equal(jar.header("https://dm.example/dm/s/7"), "c=3; a=1; b=2");
  assert.equal(jar.header("https://dm.example/dmx"), "b=2", "/dm does not match /dmx");
  assert.equal(jar.header("https://dm.example/"), "b=2");
});

test("Domain covers subdomains only when it matches the setting host; a foreign Domain is refused", () => {
  const jar = createCookieJar(fakeClock());
  jar.store("https://a.dm.example/", ["d=1; Domain=.dm.example", "evil=1; Domain=attacker.example"]);
  assert.equal(jar.header("https://b.dm.example/"), "d=1");
  assert.equal(jar.header("https://attacker.example/"), undefined);
  const ip = createCookieJar(fakeClock());
  ip.store("http://127.0.0.1:8080/", ["x=1; Domain=0.0.1"]);
  assert.equal(ip.size, 0, "no domain cookies on IP addresses");
});

test("Max-Age and Expires expire cookies against the clock; Max-Age wins; Max-Age=0 deletes", () => {
  const clock = fakeClock(Date.UTC(2025, 0, 1));
  const jar = createCookieJar(clock);
  jar.store("https://dm.example/", [
    "m=1; Max-Age=10; Expires=Wed, 01 Jan 2031 00:00:00 GMT",
    "e=2; Expires=Wed, 01 Jan 2025 00:00:30 GMT",
  ]);
  assert.equal(jar.header("https://dm.example/"), "m=1; e=2");
  clock.advance(11_000);
  assert.equal(jar.header("https://dm.example/"), "e=2");
  jar.store("https://dm.example/", ["e=gone; Max-Age=0"]);
  assert.equal(jar.header("https://dm.example/"), undefined);
  assert.equal(jar.size, 0);
});

test("Secure cookies are only accepted from and sent to https", () => {
  const jar = createCookieJar(fakeClock());
  jar.store("http://dm.example/", ["s=1; Secure"]);
  assert.equal(jar.size, 0);
  jar.store("https://dm.example/", ["s=1; Secure"]);
  assert.equal(jar.header("http://dm.example/"), undefined);
  assert.equal(jar.header("https://dm.example/"), "s=1");
});

test("malformed lines and URLs are ignored, and the jar stays bounded", () => {
  const jar = createCookieJar(fakeClock());
  jar.store("https://dm.example/", ["novalue", "=x", "", "ok=1; Expires=not a date"]);
  assert.equal(jar.header("https://dm.example/"), "ok=1");
  jar.store("not a url", ["a=1"]);
  assert.equal(jar.header("not a url"), undefined);
  jar.store(
    "https://dm.example/",
    Array.from({ length: 200 }, (_, i) => `c${i}=${i}`),
  );
  assert.ok(jar.size <= 50);
  jar.store("https://dm.example/", [`big=${"x".repeat(5000)}`]);
  assert.ok(!(jar.header("https://dm.example/") ?? "").includes("big="));
});

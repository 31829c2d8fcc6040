// What the console's HTTP tests share: one request with an optional JSON body, and the cookie a sign-in set.
import { request } from "undici";

export async function call(method: string, url: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await request(url, {
    method: method as "GET",
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    json: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** The `name=value` part of a Set-Cookie header ("" when none was set). */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const value = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (value ?? "").split(";")[0] ?? "";
}

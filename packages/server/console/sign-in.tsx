// Sign-in: an API token for a session cookie. From a loopback address, while the server lets loopback use the API
// without a token, the field may stay empty.
import { useState } from "preact/hooks";
import { api, ApiProblem } from "./api.js";

export interface SignInView {
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly caller: "token" | "loopback";
}

export function SignIn({ onSignedIn }: { onSignedIn: (view: SignInView) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = token.trim() === "" ? {} : { token: token.trim() };
      onSignedIn(await api<SignInView>("/api/console/session", { method: "POST", body }));
    } catch (e) {
      setError(e instanceof ApiProblem ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>omadm console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onInput={(e) => {
            setToken(e.currentTarget.value);
          }}
          aria-describedby="token-help"
        />
        <p id="token-help" class="help">
          Create one with <code>omadm token create NAME</code>. On the server's own machine it may stay empty.
        </p>
        {error !== null && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

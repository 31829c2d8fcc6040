// The omadm web console (docs/console.md): a small Preact app served by the server at `/`. It signs in with an
// API token (exchanged for a session cookie, /api/console/session) and then reads and writes through the REST
// API like any other client, so the API's authentication and authorization decide what it may do. Routing is
// by the URL fragment (#/devices/…), so the server serves one page.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, onUnauthorized, setCsrfToken } from "./api.js";
import { CampaignForm } from "./campaign-form.js";
import { CampaignList } from "./campaign-list.js";
import { CampaignPage } from "./campaign-page.js";
import { DeviceList } from "./device-list.js";
import { DevicePage } from "./device-page.js";
import { FleetView } from "./fleet.js";
import { closeLive } from "./live.js";
import { RepositoryView } from "./repository.js";
import { SignIn, type SignInView } from "./sign-in.js";

type Route =
  | { readonly view: "fleet" }
  | { readonly view: "devices"; readonly filter: string }
  | { readonly view: "device"; readonly id: string }
  | { readonly view: "campaigns"; readonly state: string }
  | { readonly view: "new-campaign" }
  | { readonly view: "campaign"; readonly id: string }
  | { readonly view: "repository" };

function routeOf(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?", 2);
  const device = /^\/devices\/(.+)$/.exec(path);
  if (device?.[1] !== undefined) return { view: "device", id: decodeURIComponent(device[1]) };
  if (path === "/devices") return { view: "devices", filter: new URLSearchParams(query).get("filter") ?? "" };
  if (path === "/campaigns") return { view: "campaigns", state: new URLSearchParams(query).get("state") ?? "" };
  if (path === "/campaigns/new") return { view: "new-campaign" };
  const campaign = /^\/campaigns\/(.+)$/.exec(path);
  if (campaign?.[1] !== undefined) return { view: "campaign", id: decodeURIComponent(campaign[1]) };
  if (path === "/repository") return { view: "repository" };
  return { view: "fleet" };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const changed = (): void => {
      setRoute(routeOf(location.hash));
    };
    addEventListener("hashchange", changed);
    return () => {
      removeEventListener("hashchange", changed);
    };
  }, []);
  return route;
}

function Nav({ route, onSignOut }: { route: Route; onSignOut: () => void }) {
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="brand" href="#/">
        omadm
      </a>
      <nav aria-label="Main">
        {link("#/", "Fleet", route.view === "fleet")}
        {link("#/devices", "Devices", route.view === "devices" || route.view === "device")}
        {link("#/campaigns", "Campaigns", route.view.includes("campaign"))}
        {link("#/repository", "Repository & SHOW", route.view === "repository")}
      </nav>
      <button type="button" class="link" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}

function App() {
  const [session, setSession] = useState<SignInView | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    onUnauthorized(() => {
      closeLive();
      setSession(null);
    });
    api<SignInView>("/api/console/session").then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      () => {
        setSession(null);
      },
    );
  }, []);
  useEffect(() => {
    document.getElementById("main")?.focus();
  }, [route]);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrfToken(s.csrfToken);
          setSession(s);
        }}
      />
    );
  }
  const signOut = (): void => {
    closeLive();
    void api("/api/console/session", { method: "DELETE" }).finally(() => {
      setSession(null);
    });
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Nav route={route} onSignOut={signOut} />
      <main id="main" tabIndex={-1}>
        {route.view === "fleet" && <FleetView />}
        {route.view === "devices" && <DeviceList filter={route.filter} />}
        {route.view === "device" && <DevicePage id={route.id} />}
        {route.view === "campaigns" && <CampaignList state={route.state} />}
        {route.view === "new-campaign" && <CampaignForm />}
        {route.view === "campaign" && <CampaignPage id={route.id} />}
        {route.view === "repository" && <RepositoryView />}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);

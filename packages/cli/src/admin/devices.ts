// omadm devices list|show|add|rm — the device registry through /api/v1/devices.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { registerDeviceImportCommand } from "./devices-import.js";
import { cell, details, labels, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** "name=value" → [name, value]; UsageError otherwise. */
export function parseLabel(text: string): [string, string] {
  const at = text.indexOf("=");
  if (at < 1) throw new UsageError(`label ${JSON.stringify(text)} is not name=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * A binary credential given on the command line, as base64 for the API: "hex:0a0b…", "base64:…", "@file" (raw
 * bytes), or plain text (UTF-8).
 */
export function binaryArg(text: string, what: string): string {
  if (text.startsWith("hex:")) {
    const hex = text.slice(4);
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new UsageError(`${what}: ${JSON.stringify(hex)} is not hex bytes`);
    return Buffer.from(hex, "hex").toString("base64");
  }
  if (text.startsWith("base64:")) return text.slice(7);
  if (text.startsWith("@")) return readFileSync(text.slice(1)).toString("base64");
  return Buffer.from(text, "utf8").toString("base64");
}

function printDevice(run: Run, d: Json): void {
  const http = d["http"] as Json | null;
  const psk = d["psk"] as Json | null;
  const noti = d["notification"] as Json | null;
  const address = d["notifyAddress"] as { udp?: Json; mqtt?: Json } | null;
  const where = [
    address?.udp === undefined ? null : `udp ${cell(address.udp["host"])}:${cell(address.udp["port"])}`,
    address?.mqtt === undefined ? null : `mqtt ${cell(address.mqtt["topic"])}`,
  ].filter((x) => x !== null);
  run.out(
    details([
      ["id", cell(d["id"])],
      ["state", cell(d["state"])],
      ["labels", labels(d["labels"])],
      ["created", time(d["createdAt"])],
      ["first contact", time(d["firstContactAt"])],
      ["last contact", time(d["lastContactAt"])],
      [
        "notification",
        noti === null
          ? "-"
          : `Auth/Noti/Type ${cell(noti["type"])}, secret ${noti["secretSet"] === true ? "set" : "empty"}`,
      ],
      ["notify address", where.length === 0 ? "-" : where.join(", ")],
      [
        "http auth",
        http === null ? "-" : `${cell(http["type"])} user ${cell(http["username"])} realm ${cell(http["realm"])}`,
      ],
      ["cert fingerprint", cell(d["certFingerprint"])],
      ["psk identity", psk === null ? "-" : cell(psk["identity"])],
      ["MOS", d["mos"] === null ? "-" : cell(d["mos"])],
      ["DevInfo", d["devInfo"] === null ? "-" : cell(d["devInfo"])],
    ]),
  );
}

interface ListOptions {
  state?: string;
  label?: string[];
  filter?: string;
  count?: boolean;
  limit?: string;
  cursor?: string;
}

/** The columns of every device list (devices list, groups devices). */
export const DEVICE_HEADERS = ["ID", "STATE", "LAST CONTACT", "LABELS"];

export function deviceRow(d: Json): string[] {
  return [cell(d["id"]), cell(d["state"]), time(d["lastContactAt"]), labels(d["labels"])];
}

interface AddOptions {
  label?: string[];
  notiSecret?: string;
  notiAuthData?: string;
  notiType?: string;
  udp?: string;
  mqttTopic?: string;
  httpType?: string;
  httpUser?: string;
  httpPassword?: string;
  httpRealm?: string;
  certFingerprint?: string;
  pskIdentity?: string;
  pskKey?: string;
}

/** The POST /devices body from the add options; UsageError for incomplete groups. */
export function newDeviceBody(id: string, o: AddOptions): Json {
  const body: Json = { id };
  if (o.label !== undefined) body["labels"] = Object.fromEntries(o.label.map(parseLabel));
  if (o.notiSecret !== undefined) {
    body["notification"] = {
      secret: binaryArg(o.notiSecret, "--noti-secret"),
      ...(o.notiAuthData === undefined ? {} : { authData: binaryArg(o.notiAuthData, "--noti-auth-data") }),
      ...(o.notiType === undefined ? {} : { type: Number(o.notiType) }),
    };
  } else if (o.notiAuthData !== undefined || o.notiType !== undefined) {
    throw new UsageError("--noti-auth-data and --noti-type need --noti-secret");
  }
  if (o.udp !== undefined || o.mqttTopic !== undefined) {
    const address: Json = {};
    if (o.udp !== undefined) {
      const m = /^(.+):(\d{1,5})$/.exec(o.udp);
      if (m === null) throw new UsageError(`--udp ${JSON.stringify(o.udp)} is not host:port`);
      address["udp"] = { host: (m[1] ?? "").replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) };
    }
    if (o.mqttTopic !== undefined) address["mqtt"] = { topic: o.mqttTopic };
    body["notifyAddress"] = address;
  }
  if (o.httpUser !== undefined || o.httpPassword !== undefined) {
    if (o.httpUser === undefined || o.httpPassword === undefined) {
      throw new UsageError("--http-user and --http-password go together");
    }
    body["http"] = {
      type: o.httpType ?? "digest",
      username: o.httpUser,
      password: o.httpPassword,
      ...(o.httpRealm === undefined ? {} : { realm: o.httpRealm }),
    };
  }
  if (o.certFingerprint !== undefined) body["certFingerprint"] = o.certFingerprint;
  if (o.pskIdentity !== undefined || o.pskKey !== undefined) {
    if (o.pskIdentity === undefined || o.pskKey === undefined)
      throw new UsageError("--psk-identity and --psk-key go together");
    body["psk"] = { identity: o.pskIdentity, key: o.pskKey };
  }
  return body;
}

export function registerDeviceCommands(program: Command, deps: AdminDeps): void {
  const devices = program.command("devices").description("list, show, add, import and remove devices");
  registerDeviceImportCommand(devices, deps);

  withPageOptions(
    withApiOptions(devices.command("list").description("list devices (ordered by id)"))
      .option("--state <state>", "provisioned | registered | disabled")
      .option("--label <name=value>", "only devices with this label (repeatable)", collect)
      .option("--filter <filter>", 'only devices this filter selects, e.g. "label:site=berlin and FwV!=2.0"')
      .option("--count", "also print how many devices the selection holds"),
  ).action(
    action(deps, (run, o: ListOptions) => {
      o.label?.forEach(parseLabel);
      return printPage(
        run,
        "/devices",
        { state: o.state, label: o.label, filter: o.filter, count: o.count, limit: o.limit, cursor: o.cursor },
        DEVICE_HEADERS,
        deviceRow,
      );
    }),
  );

  withApiOptions(devices.command("show").description("show one device").argument("<deviceId>")).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", `/devices/${encodeURIComponent(id)}`);
      if (run.json) {
        run.printJson(data);
        return;
      }
      printDevice(run, data);
    }),
  );

  withApiOptions(
    devices.command("add").description("pre-provision a device with its credentials").argument("<deviceId>"),
  )
    .option("--label <name=value>", "a label (repeatable)", collect)
    .option("--noti-secret <value>", "Auth/Noti/Secret: text, hex:…, base64:… or @file")
    .option("--noti-auth-data <value>", "Auth/Noti/Data: text, hex:…, base64:… or @file")
    .option("--noti-type <n>", "Auth/Noti/Type (1 = SHA256-DIGEST, default)")
    .option("--udp <host:port>", "where Package#0 reaches the device over UDP")
    .option("--mqtt-topic <topic>", "where Package#0 reaches the device over MQTT")
    .option("--http-type <type>", "basic | digest (default digest)")
    .option("--http-user <name>", "HTTP username of the device")
    .option("--http-password <password>", "HTTP password (the server keeps only HA1 digests)")
    .option("--http-realm <realm>", "HTTP realm (default: the server's)")
    .option("--cert-fingerprint <hex>", "SHA-256 of the device's client certificate")
    .option("--psk-identity <identity>", "PSK-TLS identity")
    .option("--psk-key <hex>", "PSK-TLS key")
    .action(
      action(deps, async (run, id: string, o: AddOptions) => {
        const { data } = await run.api.json<Json>("POST", "/devices", { json: newDeviceBody(id, o) });
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`device ${cell(data["id"])} provisioned`);
        printDevice(run, data);
      }),
    );

  withApiOptions(
    devices.command("rm").description("delete a device and everything recorded about it").argument("<deviceId>"),
  ).action(
    action(deps, async (run, id: string) => {
      await run.api.call("DELETE", `/devices/${encodeURIComponent(id)}`);
      if (run.json) {
        run.printJson({ deleted: id });
        return;
      }
      run.out(`device ${id} deleted`);
    }),
  );
}

// `omadm simulate --register`: the fleet's devices as NDJSON lines for the bulk import
// (`POST /api/v1/devices/import`): each device with the notification credentials of the template's first account
// that has them (auth data per device, see fleet.ts), where its Package#0 reaches it, and a label naming the
// simulator, so that the server can wake every simulated device.
import type { DeviceConfig } from "@omadm/client";
import type { FleetDevice } from "./fleet.js";
import { deviceConfigFor } from "./fleet.js";

export interface RegistrationOptions {
  /** The host the devices' UDP sockets are bound to, as the server reaches it. */
  readonly udpHost: string | undefined;
  /** Labels every device gets (e.g. { simulator: "omadm" }). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Where one device listens: what a registration line needs (a simulator process sends these to a bench). */
export interface ListeningDevice {
  readonly devId: string;
  readonly udpPort: number | undefined;
  readonly topic: string | undefined;
}

export function listeningDevice(d: FleetDevice): ListeningDevice {
  return { devId: d.devId, udpPort: d.udp?.address()?.port, topic: d.topic };
}

export function* registrationLines(
  template: DeviceConfig,
  devices: Iterable<FleetDevice | ListeningDevice>,
  options: RegistrationOptions,
): Generator<string> {
  for (const d of devices) {
    const config = deviceConfigFor(template, d.devId);
    const noti = config.accounts.find((a) => a.input.noti !== undefined)?.input.noti;
    const port = "udpPort" in d ? d.udpPort : d.udp?.address()?.port;
    const udp = port === undefined || options.udpHost === undefined ? undefined : { host: options.udpHost, port };
    const mqtt = d.topic === undefined ? undefined : { topic: d.topic };
    const line = {
      id: d.devId,
      labels: options.labels,
      ...(noti === undefined
        ? {}
        : {
            notification: {
              type: noti.type,
              secret: Buffer.from(noti.secret).toString("base64"),
              authData: Buffer.from(noti.data).toString("base64"),
            },
          }),
      ...(udp === undefined && mqtt === undefined
        ? {}
        : { notifyAddress: { ...(udp && { udp }), ...(mqtt && { mqtt }) } }),
    };
    yield `${JSON.stringify(line)}\n`;
  }
}

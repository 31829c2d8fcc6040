// @omadm/transport — the public export list: the notification transport adapters the DM Client and the DM
// Server share. I/O lives here (sockets, broker connections); nothing runs at import.
export { TransportError, TransportErrorCode, type TransportLogger } from "./transport-error.js";
export { withTimeout, isTimeout } from "./timeout.js";
export { connectMqtt, closeMqtt, isBrokerUrl, isConcreteTopic, type MqttConnectOptions } from "./mqtt.js";
export type { MqttClient } from "mqtt";
export {
  bindUdpSocket,
  createUdpSender,
  sendDatagram,
  closeUdpSocket,
  udpSocketType,
  formatRemoteAddress,
  type BindUdpOptions,
  type UdpSocketType,
} from "./udp.js";

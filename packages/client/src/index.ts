// Public exports of @omadm/client.
export {};

// Public exports of @omadm/server.
export {};

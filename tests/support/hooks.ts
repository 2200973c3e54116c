// Root hooks: stop every store process the tests started, once all tests are done.
import { stopAllServers } from "./servers";

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopAllServers();
  },
};

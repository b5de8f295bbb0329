import { defineConfig } from "vitest/config";

export default defineConfig({
  server: { host: "127.0.0.1", strictPort: true },
  test: {
    // The Playwright specs under e2e/ run in a browser, not here.
    include: ["src/**/*.test.ts"],
  },
});

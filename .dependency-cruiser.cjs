/**
 * The layers import one way (README, "Layout"): cli → server / reports → insights / pipelines →
 * warehouse → stores → domain / lib. Insights and pipelines never import each other: the ETL writes
 * the warehouse, the insights read it. Production code never imports test support.
 */
const TEST = "\\.test\\.ts$";
const TEST_SUPPORT = "^test-support/";
const layer = (name, from, forbidden) => ({
  name,
  severity: "error",
  comment: `${from} may not import ${forbidden}: imports run downward only (see the README's layout).`,
  from: { path: from, pathNot: TEST },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "An import circle: break it by moving the shared part down a layer.", from: {}, to: { circular: true } },
    {
      name: "no-test-support-in-production",
      severity: "error",
      comment: "Test support is for tests (and benchmarks) only.",
      from: { path: "^(lib|domain|stores|warehouse|pipelines|reports|server|cli)/", pathNot: [TEST, TEST_SUPPORT] },
      to: { path: TEST_SUPPORT },
    },
    layer("lib-and-domain-are-the-floor", "^(lib|domain)/", "^(stores|warehouse|pipelines|reports|server|cli|bench)/"),
    layer("stores-below-warehouse", "^stores/", "^(warehouse|pipelines|reports|server|cli|bench)/"),
    layer("warehouse-below-pipelines-and-insights", "^warehouse/(?!insights/)", "^(warehouse/insights|pipelines|reports|server|cli|bench)/"),
    layer("pipelines-below-reports-and-server", "^pipelines/", "^(warehouse/insights|reports|server|cli|bench)/"),
    layer("insights-below-reports-and-server", "^warehouse/insights/", "^(pipelines|reports|server|cli|bench)/"),
    layer("reports-below-cli", "^reports/", "^(server|cli|bench)/"),
    // The server serves the report site (and sends its pages' policy), so it may read reports/; never the reverse.
    layer("server-below-cli", "^server/", "^(cli|bench)/"),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|scratch-tmp|data|reports/site)/" },
    // TypeScript 7 has no JavaScript API for the cruiser to parse with; swc parses the .ts files instead.
    parser: "swc",
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

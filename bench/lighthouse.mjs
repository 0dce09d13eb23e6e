// Lighthouse's user flow over the app (bench/lighthouse.py starts the server and runs this):
// the login screen loaded cold, then, logged in through the form as a police user, the home,
// the records list and the review queue, each a navigation of its own. The session lives in
// IndexedDB (pwa/js/session.js), so no cookie could stand in for the login: the flow keeps the
// browser's storage between the steps, as a phone opening the app again does.
//
//   node bench/lighthouse.mjs BASE_URL USERNAME PASSWORD REPORT.html
//
// Prints one JSON object: the version, the browser, the throttling, and per step its scores.
import { writeFile } from "node:fs/promises";
import puppeteer from "puppeteer-core";
import { startFlow } from "lighthouse";

const [base, username, password, reportPath] = process.argv.slice(2);
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
// The performance score's metrics (ms; the layout shift unitless).
const METRICS = {
  fcp_ms: "first-contentful-paint", lcp_ms: "largest-contentful-paint", tbt_ms: "total-blocking-time",
  cls: "cumulative-layout-shift", speed_index_ms: "speed-index",
};
const LOGGED_IN = [
  ["Trang chủ", "/#/"],
  ["Bản ghi", "/#/records"],
  ["Hàng chờ duyệt", "/#/review"],
];

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  // The flags as given, rather than puppeteer's own headless mode: Debian's chromium, no GPU, no sandbox.
  headless: false,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu"],
  defaultViewport: null,
});
try {
  const page = await browser.newPage();
  // Lighthouse's defaults: a mobile phone, slow 4G and a 4× slower CPU, simulated.
  const flow = await startFlow(page, {
    name: "Sổ Tay 06",
    config: { extends: "lighthouse:default", settings: { onlyCategories: CATEGORIES } },
  });
  await flow.navigate(`${base}/`, { name: "Đăng nhập" });

  await page.waitForSelector("#username");
  await page.type("#username", username);
  await page.type("#password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#nav-review");
  // The first sync and the desk screens a reviewer's device fetches after login, done.
  await page.waitForNetworkIdle({ idleTime: 1500, timeout: 60_000 });

  for (const [name, path] of LOGGED_IN) {
    // Through about:blank, so a page differing only by its hash is a load of its own.
    await flow.navigate(`${base}${path}`, { name, skipAboutBlank: false });
  }

  const result = await flow.createFlowResult();
  await writeFile(reportPath, await flow.generateReport());
  const first = result.steps[0].lhr;
  console.log(JSON.stringify({
    lighthouse: first.lighthouseVersion,
    browser: first.environment.hostUserAgent,
    form_factor: first.configSettings.formFactor,
    throttling_method: first.configSettings.throttlingMethod,
    throttling: first.configSettings.throttling,
    steps: result.steps.map(({ name, lhr }) => ({
      name,
      url: lhr.finalDisplayedUrl,
      storage_reset: !lhr.configSettings.disableStorageReset,
      // A step that could not be measured (a score of 0) says why.
      problems: [lhr.runtimeError?.message, ...(lhr.runWarnings || [])].filter(Boolean),
      // No score for a step Lighthouse could not measure (rather than its 0).
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, lhr.runtimeError || !lhr.categories[c] ? null : Math.round(lhr.categories[c].score * 100)])),
      metrics: Object.fromEntries(Object.entries(METRICS).map(([name, id]) => [name, lhr.runtimeError ? null : lhr.audits[id]?.numericValue ?? null])),
      // What cost points, to fix: each failing audit of weight, by category.
      failing: Object.fromEntries(CATEGORIES.map((c) => [c, Object.fromEntries((lhr.categories[c]?.auditRefs || [])
        .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 0.9)
        .map((ref) => [ref.id, lhr.audits[ref.id].displayValue || String(lhr.audits[ref.id].score)]))])),
    })),
  }));
} finally {
  await browser.close();
}

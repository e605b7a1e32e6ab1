// Drives the built site in the system's headless Chromium (playwright-core, no browser download) and prints
// what it observed as one JSON object; tests/test_site_browser.py makes the assertions.
//
// usage: node site_check.mjs CONFIG_JSON
//   {"baseUrl": "http://127.0.0.1:PORT/", "artifacts": DIR, "userDataDir": DIR, "axe": PATH_TO_axe.min.js,
//    "chromium": "/usr/bin/chromium", "pages": ["index.html", ...], "allPages": [every page of the site],
//    "siteDir": DIR (the built site, opened from disk once as file://)}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const config = JSON.parse(process.argv[2]);
const require = createRequire(path.join(config.npmModules, "noop.js"));
const { chromium } = require("playwright-core");
const axeSource = readFileSync(config.axe, "utf8");

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const base = new URL(config.baseUrl);
const observed = { pages: {}, foreignRequests: [], consoleErrors: [], pageErrors: [], steps: {} };

const context = await chromium.launchPersistentContext(config.userDataDir, {
  executablePath: config.chromium,
  headless: true,
  args: FLAGS,
  viewport: { width: 1280, height: 900 },
  // axe is injected as an inline script, which the pages' CSP refuses; with the CSP bypassed, the hostile
  // registry check also proves that escaping alone keeps it inert.
  bypassCSP: true,
});
context.on("request", (request) => {
  const url = new URL(request.url());
  if (url.host !== base.host && url.protocol !== "data:") {
    observed.foreignRequests.push(request.url());
  }
});

async function watch(page) {
  page.on("console", (message) => {
    if (message.type() === "error") observed.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => observed.pageErrors.push(`${page.url()}: ${error.message}`));
}

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
}

async function inspect(page) {
  return page.evaluate(() => ({
    pwned: window.__pwned === 1,
    scripts: Array.from(document.scripts).map((s) => s.getAttribute("src")),
    images: document.images.length,
    handlers: Array.from(document.querySelectorAll("*")).filter((el) =>
      Array.from(el.attributes).some((a) => a.name.startsWith("on"))).length,
    javascriptLinks: Array.from(document.links).filter((a) => a.protocol === "javascript:").length,
    title: document.title,
    h1: document.querySelector("h1")?.textContent ?? null,
  }));
}

// Layout of one page at the current width: does it scroll sideways, and which words inside table cells are
// broken across lines? A word is broken when its Range has client rects on more than one line.
async function layout(page) {
  return page.evaluate(() => {
    const broken = [];
    let words = 0;
    for (const cell of document.querySelectorAll("td, th, caption")) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
          words += 1;
          if (lines.size > 1) broken.push(match[0]);
        }
      }
    }
    const labels = Array.from(document.querySelectorAll("td[data-label]")).slice(0, 1).map((td) => getComputedStyle(td, "::before").content);
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      cellWords: words,
      brokenWords: broken,
      cellLabel: labels[0] ?? null,
    };
  });
}

async function shown(page, selector) {
  return page.$eval(selector, (el) => ({ display: getComputedStyle(el).display, boxed: el.getBoundingClientRect().height > 0 }));
}

async function visibleTiles(page) {
  return page.$$eval(".tile", (tiles) => tiles.filter((t) => !t.hidden).map((t) => t.querySelector(".tile-link").textContent));
}

const page = await context.newPage();
await watch(page);

// Every page, light and dark: axe, screenshots, and nothing from the registry ran.
for (const name of config.pages) {
  const entry = {};
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(new URL(name, base).href, { waitUntil: "load" });
    entry[scheme] = { axe: await axe(page), ...(await inspect(page)) };
    const shot = `${name.replace(/[^A-Za-z0-9.-]/g, "_")}-${scheme}.png`;
    await page.screenshot({ path: path.join(config.artifacts, shot), fullPage: true });
  }
  observed.pages[name] = entry;
}
await page.emulateMedia({ colorScheme: "light" });

// Every page of the site on a desktop and on a phone: no sideways scroll, no word broken inside a table cell.
observed.layout = {};
for (const width of [1280, 390]) {
  await page.setViewportSize({ width, height: 900 });
  observed.layout[width] = {};
  for (const name of config.allPages) {
    await page.goto(new URL(name, base).href, { waitUntil: "load" });
    observed.layout[width][name] = await layout(page);
    if (name === "history.html" || name === "projects/maint--plain.html") {
      const shot = `${name.replace(/[^A-Za-z0-9.-]/g, "_")}-${width}.png`;
      await page.screenshot({ path: path.join(config.artifacts, shot), fullPage: true });
    }
  }
}
await page.setViewportSize({ width: 1280, height: 900 });

// Projects: filters, search, keyboard.
await page.goto(new URL("index.html", base).href, { waitUntil: "load" });
observed.steps.initial = { tiles: await visibleTiles(page), controls: await shown(page, "#controls") };

await page.getByRole("button", { name: /AI & ML/ }).click();
observed.steps.filtered = {
  tiles: await visibleTiles(page),
  pressed: await page.$$eval(".filter[aria-pressed=true]", (b) => b.map((x) => x.textContent)),
  status: await page.textContent("#project-count"),
};
await page.screenshot({ path: path.join(config.artifacts, "projects-filtered.png"), fullPage: true });
await page.getByRole("button", { name: /^All/ }).click();

await page.keyboard.press("/");
observed.steps.slashFocus = await page.evaluate(() => document.activeElement?.id ?? null);
await page.keyboard.type("web");
observed.steps.searched = { tiles: await visibleTiles(page), status: await page.textContent("#project-count") };
await page.screenshot({ path: path.join(config.artifacts, "projects-search.png"), fullPage: true });
await page.keyboard.type("zzz-no-such-project");
observed.steps.noMatch = { tiles: await visibleTiles(page), message: await page.isVisible("#no-results") };
await page.keyboard.press("Escape");
observed.steps.escaped = { value: await page.inputValue("#search"), tiles: (await visibleTiles(page)).length };

await page.keyboard.press("ArrowDown");
const focused = () => page.evaluate(() => document.activeElement?.textContent ?? null);
observed.steps.keyboard = [await focused()];
for (const key of ["ArrowRight", "ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp", "End", "Home"]) {
  await page.keyboard.press(key);
  observed.steps.keyboard.push(await focused());
}
observed.steps.columns = await page.evaluate(() => {
  const tops = Array.from(document.querySelectorAll(".tile")).map((t) => t.offsetTop);
  return tops.filter((top) => top === tops[0]).length;
});
await page.keyboard.press("ArrowRight");
const target = await focused();
await Promise.all([page.waitForURL(/projects\//), page.keyboard.press("Enter")]);
observed.steps.opened = { name: target, url: page.url(), h1: await page.textContent("h1") };
await page.screenshot({ path: path.join(config.artifacts, "project-opened.png"), fullPage: true });

// Tab order of the Projects page: skip link, title, navigation, search, filters, then the tiles.
await page.goto(new URL("index.html", base).href, { waitUntil: "load" });
const order = [];
for (let i = 0; i < 9; i += 1) {
  await page.keyboard.press("Tab");
  order.push(await page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}:${(el.textContent || "").trim().slice(0, 30)}` : null;
  }));
}
observed.steps.tabOrder = order;

// Without JavaScript (the site's only script refused): every project is listed, the controls stay hidden.
const noScript = await context.newPage();
await noScript.route("**/*.js", (route) => route.abort());
await noScript.goto(new URL("index.html", base).href, { waitUntil: "load" });
observed.steps.noJavaScript = {
  tiles: (await visibleTiles(noScript)).length,
  controls: await shown(noScript, "#controls"),
};
await noScript.screenshot({ path: path.join(config.artifacts, "projects-no-javascript.png"), fullPage: true });

// A phone-sized window: one column, so Down moves to the next project; still no serious violation.
const phone = await context.newPage();
await phone.setViewportSize({ width: 390, height: 844 });
await phone.goto(new URL("index.html", base).href, { waitUntil: "load" });
await phone.keyboard.press("/");
await phone.keyboard.press("ArrowDown");
await phone.keyboard.press("ArrowDown");
observed.steps.phone = {
  axe: await axe(phone),
  focused: await phone.evaluate(() => document.activeElement?.textContent ?? null),
  tiles: await visibleTiles(phone),
  scrollWidth: await phone.evaluate(() => document.documentElement.scrollWidth),
};
await phone.screenshot({ path: path.join(config.artifacts, "projects-phone.png"), fullPage: true });

await context.close();

// Opened from disk (file://), with the pages' own Content Security Policy in force: styled, and the script ran.
const browser = await chromium.launch({ executablePath: config.chromium, headless: true, args: FLAGS });
const disk = await browser.newPage();
await watch(disk);
await disk.goto(pathToFileURL(path.join(config.siteDir, "index.html")).href, { waitUntil: "load" });
observed.fileView = {
  gridDisplay: await disk.$eval("#projects", (el) => getComputedStyle(el).display),
  bodyMargin: await disk.evaluate(() => getComputedStyle(document.body).marginTop),
  controls: await shown(disk, "#controls"),
};
await disk.goto(pathToFileURL(path.join(config.siteDir, "projects", "maint--odd.html")).href, { waitUntil: "load" });
observed.fileView.projectGrid = await disk.$eval(".issues", (el) => getComputedStyle(el).display);
await browser.close();
process.stdout.write(JSON.stringify(observed));

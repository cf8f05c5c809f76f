// The HTML report in a real browser (Debian's chromium driven by playwright-core): made by the CLI from a training run,
// an energy report, a verify run and a trace, it loads with no console error and draws every chart; a screenshot is kept.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { vle } from "./cli.js";

const chromiumPath = "/usr/bin/chromium";
/** where the screenshot is kept (git-ignored) */
const outputDir = resolve("test-output");

/** What the page did in chromium: console problems, the drawing state, each chart's size, marks and axis titles. */
interface Drawn {
  problems: string[];
  state: object;
  charts: { id: string; width: number; height: number; marks: number; titles: string[] }[];
  text: string;
}

/** Opens the page in headless chromium, waits for every chart, and keeps a full-page screenshot as `screenshot`. */
async function drawPage(page: string, profile: string, screenshot: string): Promise<Drawn> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1000, height: 800 },
  });
  try {
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    tab.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    tab.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`network request: ${r.url()}`);
    });
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForFunction(() => (window as unknown as { vleReport?: { done: boolean } }).vleReport?.done, null, {
      timeout: 60_000,
    });
    const state = await tab.evaluate(() => (window as unknown as { vleReport: object }).vleReport);
    const charts = await tab.$$eval(".chart", (els) =>
      els.map((el) => {
        const svg = el.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        return {
          id: el.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks:
            svg?.querySelectorAll(".mark-line path, .mark-rect path, .mark-symbol path, .mark-rule line").length ?? 0,
          titles: [...(svg?.querySelectorAll(".role-axis-title text") ?? [])].map((t) => t.textContent ?? ""),
        };
      }),
    );
    await tab.screenshot({
      path: (mkdirSync(outputDir, { recursive: true }), join(outputDir, screenshot)),
      fullPage: true,
    });
    return { problems, state, charts, text: (await tab.textContent("body")) ?? "" };
  } finally {
    await context.close();
  }
}

describe("vle report in chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "vle-report-"));
  const at = (name: string) => join(dir, name);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every section's chart is drawn with labelled axes, no console errors; screenshot in test-output/", async () => {
    expect(existsSync(chromiumPath), `${chromiumPath} is missing: run .ci/run (it installs Debian's chromium)`).toBe(
      true,
    );
    // the inputs, each made by a command
    const train = vle(
      "train",
      "examples/lagline.yaml",
      "--task",
      "lagline",
      "--epochs",
      "3",
      "--json",
      "-o",
      at("trained.pb"),
    );
    expect(train.status, train.stderr).toBe(0);
    writeFileSync(at("train.json"), train.stdout);
    expect(vle("compile", "examples/lagline.yaml", "-o", at("initial.pb")).status).toBe(0);
    const energy = vle("energy", "examples/lagline-chip.yaml", "--task", "lagline", "--vs", "bptt", "--json");
    expect(energy.status, energy.stderr).toBe(0);
    writeFileSync(at("energy.json"), energy.stdout);
    const verify = vle(
      "verify",
      "examples/lagline.yaml",
      "--property",
      "bounded",
      "--runs",
      "5",
      "--json",
      "--out-dir",
      dir,
    );
    expect(verify.status, verify.stderr).toBe(0);
    writeFileSync(at("verify.json"), verify.stdout);
    writeFileSync(
      at("x.csv"),
      "x[0]\n" + Array.from({ length: 300 }, (_, i) => Math.sin(i / 20).toFixed(6)).join("\n") + "\n",
    );
    const sim = vle(
      "simulate",
      "examples/lagline.yaml",
      "--input",
      at("x.csv"),
      "--record",
      "r,u",
      "-o",
      at("trace.csv"),
    );
    expect(sim.status, sim.stderr).toBe(0);
    // reference curves in the format the report reads (made up here: the test checks they are drawn, not their values)
    writeFileSync(
      at("reference.json"),
      JSON.stringify({
        source: "test fixture",
        metric: "testMse",
        unit: "dimensionless",
        curves: { teacher: { mean: [0.2, 0.05, 0.01, 0.001] } },
      }),
    );
    const page = at("run.html");
    const report = vle(
      "report",
      at("train.json"),
      at("initial.pb"),
      at("trained.pb"),
      at("energy.json"),
      at("verify.json"),
      at("trace.csv"),
      "--reference",
      at("reference.json"),
      "-o",
      page,
    );
    expect(report.status, report.stderr).toBe(0);
    const html = readFileSync(page, "utf8");
    // self-contained: no script or stylesheet from elsewhere
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/i);

    const { problems, state, charts, text } = await drawPage(page, at("profile"), "report.png");
    expect(problems).toEqual([]);
    expect(state).toMatchObject({ done: true, failed: [] });
    // learning (loss, metric), weights (2 crossbars), waveforms, energy (breakdown, vs BPTT, crossover), timing
    expect(charts.map((c) => c.id)).toHaveLength(9);
    expect(state).toMatchObject({ charts: 9, drawn: 9 });
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.marks, c.id).toBeGreaterThan(0);
      // two axes, each titled with a quantity and its unit in parentheses
      expect(c.titles, c.id).toHaveLength(2);
      for (const t of c.titles) if (!/^(component|pipeline stage|system)$/.test(t)) expect(t, c.id).toMatch(/\(.+\)/);
    }
    expect(text).toContain("teacher (reference)");
    expect(text).toMatch(/bounded\s*passed/);
    expect(existsSync(join(outputDir, "report.png"))).toBe(true);
  });

  it("vle analyze --report draws the orbit with its fixed points, emissions, dwell times against the HMM and the ablation", async () => {
    const page = at("dynamics.html");
    const run = vle(
      "analyze",
      "examples/hmm-noise.yaml",
      "--task",
      "hmm:cyclic:3",
      "--noise-only",
      "--sequences",
      "16",
      "--starts",
      "8",
      "--report",
      page,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`wrote ${page}`);
    const { problems, state, charts, text } = await drawPage(page, at("profile-dynamics"), "report-dynamics.png");
    expect(problems).toEqual([]);
    // orbit with fixed points, emission frequencies, dwell times, ablation
    expect(state).toMatchObject({ done: true, failed: [], charts: 4, drawn: 4 });
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.titles, c.id).toHaveLength(2);
      for (const t of c.titles) expect(t, c.id).toMatch(/\(.+\)/);
    }
    expect(text).toMatch(/fixed point\(s\), \d+ stable/);
    expect(text).toContain("Kick neurons:");
    // a usage error before any work when the page is not HTML
    const bad = vle("analyze", "examples/hmm-noise.yaml", "--report", at("dynamics.txt"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/name it \.html/);
  }, 120_000);
});
